//! Luvmazer (BLE): one 6-byte packet per output on `tx`.
//!
//! Facts from the reference implementation (`buttplug_server` 12.0.2):
//! - vibrate: `[a0 01 00 <feature> 64 <speed>]`, but `[a0 0c 00 00 64 <speed>]` at feature 2;
//! - rotate: `[a0 0f 00 00 64 <speed>]`;
//! - oscillate: `[a0 06 01 00 64 <speed>]`;
//! - constrict: `[a0 0d 00 00 <14, or 00 at level 0> <level>]`.
//!
//! No handshake, no inputs, no keep-alive; the identifier is the advertised name.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{magnitude, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "luvmazer";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Luvmazer)
}

#[derive(Debug)]
struct Luvmazer;

impl Protocol for Luvmazer {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, magnitude, |feature, command, value| {
            let data = match command.output {
                OutputType::Vibrate if feature == 2 => [0xa0, 0x0c, 0x00, 0x00, 0x64, value],
                OutputType::Vibrate => {
                    let motor = u8::try_from(feature)
                        .map_err(|_| ProtocolError::UnknownFeature(feature))?;
                    [0xa0, 0x01, 0x00, motor, 0x64, value]
                }
                OutputType::Rotate => [0xa0, 0x0f, 0x00, 0x00, 0x64, value],
                OutputType::Oscillate => [0xa0, 0x06, 0x01, 0x00, 0x64, value],
                OutputType::Constrict => {
                    [0xa0, 0x0d, 0x00, 0x00, if value == 0 { 0x00 } else { 0x14 }, value]
                }
                _ => return Err(unsupported(feature, command)),
            };
            Ok(vec![HardwareCommand::write(Endpoint::Tx, data)])
        })
    }
}
