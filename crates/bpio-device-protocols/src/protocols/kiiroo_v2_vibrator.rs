//! Kiiroo V2 vibrators (Pearl 2, OhMiBod Fuse, Titan, the PornHub toys): the device name as
//! identifier, no handshake, and one write on `tx` that carries three motor levels,
//! `[motor 1, motor 2, motor 3]`, whatever the model has (a missing motor stays 0). A batch is
//! one write.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::support::{self, Levels};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-v2-vibrator";

/// The motor slots every write carries.
const MOTORS: usize = 3;

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(KiirooV2Vibrator { identifier: info.name.to_owned(), levels: Levels::new(MOTORS) })
}

#[derive(Debug)]
struct KiirooV2Vibrator {
    identifier: String,
    levels: Levels,
}

impl Protocol for KiirooV2Vibrator {
    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        super::no_step_data(NAME, endpoint, data)
    }

    fn identifier(&self) -> Option<&str> {
        Some(&self.identifier)
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply(batch, support::level_of(&[OutputType::Vibrate]))?;
        Ok(vec![HardwareCommand::write(Endpoint::Tx, self.levels.values())])
    }

    no_inputs!();
}
