//! Lovehoney Desire: `f3 <motor> <speed>` on `tx`, written with response; no handshake,
//! identified by the advertised name.
//!
//! Motor 0 means every motor. A one-motor toy always takes motor 0. A two-motor toy takes one
//! write for both when their speeds are equal, else one write per motor (1 and 2) with its
//! speed; the protocol remembers both speeds, so each batch sends the pair.

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{byte, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "lovehoney-desire";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(LovehoneyDesire { speeds: vec![0] })
}

#[derive(Debug)]
struct LovehoneyDesire {
    /// The speed of each motor, by feature index: one or two.
    speeds: Vec<u8>,
}

impl Protocol for LovehoneyDesire {
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let motors = definition.features.iter().filter(|f| !f.outputs.is_empty()).count();
        self.speeds = vec![0; motors.clamp(1, 2)];
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut speeds = self.speeds.clone();
        for (feature, command) in batch {
            let slot = usize::try_from(*feature).ok().and_then(|at| speeds.get_mut(at));
            match (command.output, slot) {
                (OutputType::Vibrate, Some(slot)) => *slot = byte(*feature, command)?,
                _ => return Err(unsupported(*feature, command)),
            }
        }
        self.speeds = speeds;
        Ok(match self.speeds.as_slice() {
            [first, second] if first != second => {
                vec![tx_acked([0xf3, 1, *first]), tx_acked([0xf3, 2, *second])]
            }
            [all, ..] => vec![tx_acked([0xf3, 0, *all])],
            [] => Vec::new(),
        })
    }
}
