//! Patoo (BLE): a speed byte on `tx` and a mode byte on `txmode`, both written with response.
//!
//! Facts from the reference implementation:
//! - the identifier is the advertised name up to its first digit (`PTVEA12` is `PTVEA`).
//! - every change writes one speed and one mode: the first motor's speed with mode 4 while it
//!   runs; when it stands, the second motor's speed with mode `80`, or speed 0 with mode 0 when
//!   both stand.
//!
//! No handshake, no inputs, no keep-alive.

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{Levels, no_step_data};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, Protocol};

/// The database name.
pub(crate) const NAME: &str = "patoo";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let model = info.name.split(|c: char| c.is_ascii_digit()).next().unwrap_or_default();
    Box::new(Patoo { identifier: model.to_owned(), motors: Levels::default() })
}

#[derive(Debug)]
struct Patoo {
    identifier: String,
    motors: Levels,
}

impl Protocol for Patoo {
    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        no_step_data(NAME, endpoint, data)
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::Found(&self.identifier)
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        self.motors = Levels::of_outputs(definition);
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.motors.apply(batch, &[OutputType::Vibrate])?;
        let (speed, mode) = match (self.motors.at(0), self.motors.at(1)) {
            (0, 0) => (0, 0x00),
            (0, second) => (second, 0x80),
            (first, _) => (first, 0x04),
        };
        Ok(vec![
            HardwareCommand::write_with_response(Endpoint::Tx, [speed]),
            HardwareCommand::write_with_response(Endpoint::TxMode, [mode]),
        ])
    }
}
