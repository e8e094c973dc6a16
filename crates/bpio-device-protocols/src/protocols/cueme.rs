//! Cueme (Mens, Bra, Womans): garments with up to eight motors, of which the firmware runs one
//! at a time. The reference implementation has no module for it; the facts come from the older
//! C# implementation of the Buttplug project.
//!
//! Identification: the advertised name is `FUNCODE_<code>_<model>`; the model part (`1`, `2`,
//! `3`) is the identifier, and a name of another shape selects the defaults.
//!
//! Output: one byte on `tx`, `motor << 4 | level` with the motor counted from 1 and the level
//! 0–15; a byte of 0 stops. Since one motor runs at a time, several running motors take turns:
//! a command shows the motor it set at once (the last of the batch that it set above 0; when it
//! only lowered motors to 0, the shown motor stays if it still runs, else the next running one
//! takes over), and while two or more motors run, the protocol's timer moves to the next running
//! motor every 500 ms, in feature order and round.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{Levels, byte_of, no_step_data};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, Protocol};

/// The database name.
pub(crate) const NAME: &str = "cueme";

/// How long each running motor gets before the next one's turn.
const TURN: Duration = Duration::from_millis(500);
/// Motors a byte can address (the motor number takes the upper four bits).
const MAX_MOTORS: usize = 15;

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let identifier = match info.name.split('_').collect::<Vec<_>>().as_slice() {
        [_, _, model] => Some((*model).to_owned()),
        _ => None,
    };
    Box::new(Cueme { identifier, levels: Levels::default(), shown: 0 })
}

#[derive(Debug)]
struct Cueme {
    identifier: Option<String>,
    levels: Levels,
    /// The motor the firmware runs now.
    shown: usize,
}

impl Cueme {
    fn running(&self, motor: usize) -> bool {
        self.levels.levels().get(motor).is_some_and(|level| *level != 0)
    }

    fn running_count(&self) -> usize {
        self.levels.levels().iter().filter(|level| **level != 0).count()
    }

    /// The first running motor after the shown one, going round; the shown one when no other
    /// runs.
    fn next_running(&self) -> usize {
        let count = self.levels.levels().len();
        (1..=count)
            .map(|step| (self.shown + step) % count)
            .find(|motor| self.running(*motor))
            .unwrap_or(self.shown)
    }

    fn packet(&self) -> HardwareCommand {
        let level = self.levels.levels().get(self.shown).copied().unwrap_or(0);
        // `shown` is below MAX_MOTORS, so the motor number fits the upper four bits.
        let motor = u8::try_from(self.shown + 1).unwrap_or(0);
        let byte = if level == 0 { 0 } else { motor << 4 | level };
        HardwareCommand::write(Endpoint::Tx, [byte])
    }
}

impl Protocol for Cueme {
    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        no_step_data(NAME, endpoint, data)
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::found(self.identifier.as_deref())
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let motors = definition.features.iter().filter(|f| !f.outputs.is_empty()).count();
        self.levels = Levels::first(motors.min(MAX_MOTORS));
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
        let raised = batch
            .iter()
            .rev()
            .filter(|(_, command)| command.value != 0)
            .find_map(|(feature, _)| usize::try_from(*feature).ok());
        self.shown = match raised {
            Some(motor) => motor,
            None if self.running(self.shown) => self.shown,
            None => self.next_running(),
        };
        Ok(vec![self.packet()])
    }

    fn poll_timer(&self) -> Option<Duration> {
        (self.running_count() >= 2).then_some(TURN)
    }

    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        if self.running_count() < 2 {
            return Vec::new();
        }
        self.shown = self.next_running();
        vec![self.packet()]
    }
}
