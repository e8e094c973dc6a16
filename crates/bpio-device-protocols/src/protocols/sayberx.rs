//! SayberX (BLE): one motor, which takes its speed as ASCII text on `tx`, `AT+SPD<n>0` with the
//! speed `n` a single decimal digit from 0 (stopped) to 4; one write per command. Its companion,
//! the Sayber X-Ring (advertised as `X-Ring <suffix>`), is a controller the user holds: it only
//! reports on `rx` and takes no commands, and the database gives it no features.
//!
//! The reference implementation has no module for this protocol. The facts come from the
//! protocol notes of the Buttplug project: <https://github.com/buttplugio/stpihkal/issues/66>
//! (also
//! <https://github.com/buttplugio/docs.buttplug.io/blob/HEAD/stpihkal/protocols/sayberx/index.md>),
//! which give the packet as `41 54 2b 53 50 44 <n> 30` with `<n>` from `0x30` to
//! `0x34`. The notes show no handshake and do not say whether the app writes with response;
//! this protocol writes without. What the X-Ring reports is not documented, so it has no inputs.
//!
//! Identification: a SayberX by its advertised name. The X-Ring's name carries a per-device
//! suffix (`X-Ring 0F313B` in the notes), so every device whose name starts with `X-Ring` is
//! identified as `X-Ring`, the identifier of its configuration in the database.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, out_of_range, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "sayberx";

/// The identifier of the X-Ring, and how its advertised name starts.
const RING: &str = "X-Ring";
/// The command, before the speed digit.
const SET_SPEED: &[u8] = b"AT+SPD";
/// The top speed digit the notes document.
const TOP_SPEED: u8 = 4;

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let protocol = PerFeature::create(write);
    if info.name.starts_with(RING) { protocol.identified_as(RING) } else { protocol }
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    if speed > TOP_SPEED {
        return Err(out_of_range(feature, command));
    }
    let mut text = SET_SPEED.to_vec();
    text.extend([b'0' + speed, b'0']);
    Ok(tx(text))
}
