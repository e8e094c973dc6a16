//! Lelo F1s, the first version (BLE): init subscribes to `rx`, where the toy reports its
//! buttons; the power button must be pressed once connected before the toy takes commands.
//! Then both motors in every write, `[01 <motor 0> <motor 1>]` on `tx` without response, so a
//! batch is one write. No inputs; the identifier is the advertised name. Facts from the
//! reference implementation.

use bpio_hardware::{Endpoint, HardwareCommand};

use super::common::F1sMotors;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::tx;

/// The database name.
pub(crate) const NAME: &str = "lelo-f1s";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(LeloF1s { motors: F1sMotors::new() })
}

#[derive(Debug)]
struct LeloF1s {
    motors: F1sMotors,
}

impl Protocol for LeloF1s {
    fn init(&self) -> Vec<HardwareCommand> {
        vec![HardwareCommand::subscribe(Endpoint::Rx)]
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        Ok(vec![tx(self.motors.packet(batch)?)])
    }
}
