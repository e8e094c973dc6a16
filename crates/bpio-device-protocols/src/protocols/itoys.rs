//! iToys (BLE): one 6-byte packet per output on `tx`.
//!
//! Facts from the reference implementation (`buttplug_server` 12.0.2), with `on` 1 unless the
//! value is 0:
//! - vibrate: `[a0 01 00 00 <speed> ff]`;
//! - oscillate: `[a0 06 <on> 00 <on> <speed>]`;
//! - rotate: `[a0 08 <on> 00 <speed> <ff, or 00 at 0>]`;
//! - constrict: `[a0 0d 00 00 <level> <64, or 00 at 0>]`.
//!
//! No handshake, no inputs, no keep-alive; the identifier is the advertised name.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{magnitude, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "itoys";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(IToys)
}

#[derive(Debug)]
struct IToys;

impl Protocol for IToys {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, magnitude, |feature, command, value| {
            let on = u8::from(value > 0);
            let data = match command.output {
                OutputType::Vibrate => [0xa0, 0x01, 0x00, 0x00, value, 0xff],
                OutputType::Oscillate => [0xa0, 0x06, on, 0x00, on, value],
                OutputType::Rotate => [0xa0, 0x08, on, 0x00, value, on * 0xff],
                OutputType::Constrict => [0xa0, 0x0d, 0x00, 0x00, value, on * 0x64],
                _ => return Err(unsupported(feature, command)),
            };
            Ok(vec![HardwareCommand::write(Endpoint::Tx, data)])
        })
    }
}
