//! TCode v0.3 over a serial line: ASCII commands, one per line.
//!
//! A command is an axis letter and number followed by the magnitude digits, read as a decimal
//! fraction (`L0500` is axis L0 at 0.500), optionally followed by `I` and a movement time in ms.
//! Facts taken from the reference implementation: `Position` writes both `L0` and `R0` with the
//! value as three digits; `HwPositionWithDuration` writes `L<feature>` with three digits and
//! `I<ms>`; `Vibrate` (present only through user configs) writes `V<feature>` with two digits.
//! Bundling: a batch becomes one write holding every line, which on a byte stream is the same
//! as separate writes but costs one system call. No handshake, no keep-alive; `Position` and
//! `HwPositionWithDuration` have no stop (docs/PROTOCOL.md 9).

use std::fmt::Write as _;

use bpio_device_config::Feature;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, OutputType, Reading};

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, InputPlan, Protocol};

/// The database name.
pub(crate) const NAME: &str = "tcode-v03";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(TCode)
}

#[derive(Debug)]
struct TCode;

impl Protocol for TCode {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut text = String::new();
        for (feature, command) in batch {
            // Writing to a String cannot fail.
            let _ = match (command.output, command.duration) {
                (OutputType::Position, _) => {
                    writeln!(text, "L0{value:03}\nR0{value:03}", value = command.value)
                }
                (OutputType::HwPositionWithDuration, Some(ms)) => {
                    writeln!(text, "L{feature}{value:03}I{ms}", value = command.value)
                }
                (OutputType::Vibrate, _) => {
                    writeln!(text, "V{feature}{value:02}", value = command.value)
                }
                (output, _) => {
                    return Err(ProtocolError::UnsupportedOutput { feature: *feature, output });
                }
            };
        }
        if text.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![HardwareCommand::write(Endpoint::Tx, text)])
    }

    fn read(&mut self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        Err(ProtocolError::UnsupportedInput { feature: feature.index, input })
    }

    fn subscribe(
        &mut self,
        feature: &Feature,
        input: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        Err(ProtocolError::UnsupportedInput { feature: feature.index, input })
    }

    fn unsubscribe(
        &mut self,
        _: &Feature,
        _: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        Ok(Vec::new())
    }

    fn parse_reading(&mut self, _: u32, _: InputType, _: Endpoint, _: &[u8]) -> Option<Reading> {
        None
    }
}
