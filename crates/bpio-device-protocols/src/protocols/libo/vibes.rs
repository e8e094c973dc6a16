//! Libo vibrators (BLE): one byte per write, the speed on `tx`, the second motor's level on
//! `txmode`.
//!
//! Facts from the reference implementation: feature 0 writes its speed to `tx`, and when the
//! speed is 0 also writes `00` to `txmode` (a single-motor toy stops only then); feature 1
//! writes its level to `txmode`. No handshake, no inputs, no keep-alive; the identifier is the
//! advertised name.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{magnitude, unsupported, write_each};

/// The database name.
pub(crate) const NAME: &str = "libo-vibes";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(LiboVibes)
}

#[derive(Debug)]
struct LiboVibes;

impl Protocol for LiboVibes {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, magnitude, |feature, command, speed| match (command.output, feature) {
            (OutputType::Vibrate, 0) if speed == 0 => Ok(vec![
                HardwareCommand::write(Endpoint::Tx, [0]),
                HardwareCommand::write(Endpoint::TxMode, [0]),
            ]),
            (OutputType::Vibrate, 0) => Ok(vec![HardwareCommand::write(Endpoint::Tx, [speed])]),
            (OutputType::Vibrate, 1) => Ok(vec![HardwareCommand::write(Endpoint::TxMode, [speed])]),
            _ => Err(unsupported(feature, command)),
        })
    }
}
