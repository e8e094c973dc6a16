//! Hismith, older firmware (BLE): `[aa <channel> <value> <checksum>]` on `tx`, one write per
//! output; the checksum is `value + channel`.
//!
//! Facts from the reference implementation:
//! - identification reads 128 bytes from `rxblemodel`; their hex digits are the identifier.
//!   Only `1001`, `1002`, `1003`, `1006`, `2001` and `3001` speak this protocol. The reference
//!   hands any other model to `hismith-mini`; a device here cannot change protocol after
//!   matching, so such a model gets this protocol's definition (its defaults) and is driven the
//!   `hismith-mini` way.
//! - oscillate drives channel 4. Vibrate drives channel 4 at feature 0 (Wildolo) and channel 6
//!   elsewhere (the thrusting cup), where 0 is sent as `f0`.
//!
//! No init, no inputs, no keep-alive.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{Hismith, Legacy, channel_write};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{magnitude, unsupported, write_each};

/// The database name.
pub(crate) const NAME: &str = "hismith";

const HEADER: u8 = 0xaa;
const LEGACY_MODELS: [&str; 6] = ["1001", "1002", "1003", "1006", "2001", "3001"];

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let legacy = Legacy { models: &LEGACY_MODELS, encode: legacy_encode };
    Box::new(Hismith::new(NAME, Some(legacy)))
}

fn legacy_encode(batch: &[(u32, HwOutput)]) -> Result<Vec<HardwareCommand>, ProtocolError> {
    write_each(batch, magnitude, |feature, command, value| {
        let write = match (command.output, feature) {
            (OutputType::Oscillate, _) | (OutputType::Vibrate, 0) => {
                channel_write(HEADER, 4, value)
            }
            (OutputType::Vibrate, _) => {
                channel_write(HEADER, 6, if value == 0 { 0xf0 } else { value })
            }
            _ => return Err(unsupported(feature, command)),
        };
        Ok(vec![write])
    })
}
