//! Satisfyer (BLE): every motor's level, four times each, in one packet on `tx`.
//!
//! Facts from the reference implementation (`buttplug_server` 12.0.2):
//! - identification reads 128 bytes from `rxblemodel`; four bytes are a big-endian number, and
//!   its decimal digits are the identifier (`00 00 27 b0` is `10160`). The reference takes the
//!   same four bytes from the advertisement's manufacturer data when it has them; the
//!   characteristic is its fallback, and ours since a protocol sees only the advertised name.
//!   Anything but four bytes identifies as `0`, which selects the defaults.
//! - init writes `01` to `command` (with response); the reference's keep-alive then writes the
//!   all-stop packet at once, and so does our init.
//! - each output feature, in definition order, contributes its level four times:
//!   `[a a a a b b b b]` for two motors. A batch is one packet.
//! - the firmware needs traffic: the last packet is repeated after 500 ms without writes,
//!   whatever the backend.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{Levels, ModelRead};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, Keepalive, KeepaliveWhen, Protocol, Step};

/// The database name.
pub(crate) const NAME: &str = "satisfyer";

const MODEL_LENGTH: u32 = 128;
const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(500);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Satisfyer { model: ModelRead::Ask, stage: Stage::Identify, motors: Levels::default() })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Identify,
    Start,
    StopAll,
    Running,
}

#[derive(Debug)]
struct Satisfyer {
    model: ModelRead,
    stage: Stage,
    motors: Levels,
}

impl Satisfyer {
    fn packet(&self) -> HardwareCommand {
        let data: Vec<u8> = self.motors.levels().iter().flat_map(|level| [*level; 4]).collect();
        HardwareCommand::write(Endpoint::Tx, data)
    }
}

/// The identifier in the model characteristic's bytes.
fn model_number(data: &[u8]) -> String {
    match <[u8; 4]>::try_from(data) {
        Ok(bytes) => u32::from_be_bytes(bytes).to_string(),
        Err(_) => {
            tracing::warn!(protocol = NAME, len = data.len(), "model is not four bytes");
            "0".to_owned()
        }
    }
}

impl Protocol for Satisfyer {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        let step = match self.stage {
            Stage::Identify => {
                return Ok(self.model.poll(NAME, MODEL_LENGTH)?.unwrap_or(Step::Done));
            }
            Stage::Start => {
                self.stage = Stage::StopAll;
                HardwareCommand::write_with_response(Endpoint::Command, [0x01])
            }
            Stage::StopAll => {
                self.stage = Stage::Running;
                self.packet()
            }
            Stage::Running => return Ok(Step::Done),
        };
        Ok(Step::Command(step))
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        self.model.handle(NAME, endpoint, data, model_number);
        Ok(())
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::found(self.model.identifier())
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        self.motors = Levels::of_outputs(definition);
        self.stage = Stage::Start;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.motors.apply(batch, &[OutputType::Vibrate])?;
        Ok(vec![self.packet()])
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: vec![self.packet()],
            when: KeepaliveWhen::Always,
        })
    }
}
