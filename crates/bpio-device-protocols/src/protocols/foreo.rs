//! Foreo (BLE): `[01 <mode> <speed>]` on `tx`, written with response.
//!
//! Facts from the reference implementation: the mode byte follows the advertised name, read
//! case-insensitively: 3 when it holds both `smart` and `2` (LUNA play smart 2), 1 when it holds
//! `fofo` or `ufo`, 0 otherwise. One vibrator; no handshake, no inputs, no keep-alive; the
//! identifier is the advertised name.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{magnitude, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "foreo";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let lower = info.name.to_lowercase();
    let mode = if lower.contains("smart") && lower.contains('2') {
        3
    } else if lower.contains("fofo") || lower.contains("ufo") {
        1
    } else {
        0
    };
    Box::new(Foreo { mode })
}

#[derive(Debug)]
struct Foreo {
    mode: u8,
}

impl Protocol for Foreo {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, magnitude, |feature, command, speed| match command.output {
            OutputType::Vibrate => {
                Ok(vec![HardwareCommand::write_with_response(Endpoint::Tx, [1, self.mode, speed])])
            }
            _ => Err(unsupported(feature, command)),
        })
    }
}
