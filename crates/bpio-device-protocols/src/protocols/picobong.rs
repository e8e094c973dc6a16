//! Picobong (BLE): `[01 <mode> <speed>]` on `tx`, mode `01` while running and `ff` at 0.
//!
//! Facts from the reference implementation. One vibrator; no handshake, no inputs, no
//! keep-alive; the identifier is the advertised name.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{magnitude, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "picobong";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Picobong)
}

#[derive(Debug)]
struct Picobong;

impl Protocol for Picobong {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, magnitude, |feature, command, speed| match command.output {
            OutputType::Vibrate => {
                let mode = if speed == 0 { 0xff } else { 0x01 };
                Ok(vec![HardwareCommand::write(Endpoint::Tx, [0x01, mode, speed])])
            }
            _ => Err(unsupported(feature, command)),
        })
    }
}
