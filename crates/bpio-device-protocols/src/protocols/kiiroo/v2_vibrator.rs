//! Kiiroo V2 vibrators (Pearl 2, OhMiBod Fuse, Titan, the PornHub toys): the device name as
//! identifier, no handshake, and one write on `tx` that carries three motor levels,
//! `[motor 1, motor 2, motor 3]`, whatever the model has (a missing motor stays 0). A batch is
//! one write.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{Levels, byte_of};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-v2-vibrator";

/// The motor slots every write carries.
const MOTORS: usize = 3;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(KiirooV2Vibrator { levels: Levels::first(MOTORS) })
}

#[derive(Debug)]
struct KiirooV2Vibrator {
    levels: Levels,
}

impl Protocol for KiirooV2Vibrator {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
        Ok(vec![HardwareCommand::write(Endpoint::Tx, self.levels.levels())])
    }
}
