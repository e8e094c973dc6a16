//! Vibratissimo (BLE): identified by the model characteristic, every motor's level in one packet.
//!
//! Facts from the reference implementation (`buttplug_server` 12.0.2):
//! - identification reads 128 bytes from `rxblemodel`; their text is the identifier (`Licker`,
//!   `Rabbit`, …). The reference falls back to the advertised name when the bytes are not UTF-8;
//!   we read them lossily instead, which resolves to the defaults just the same;
//! - every command writes `[03 ff]` to `txmode`, then one byte per vibrator (in feature order)
//!   to `txvibrate`, padded with a 0 when there is only one; both without response. A batch is
//!   one such pair;
//! - the battery is the standard characteristic (`rxblebattery`, one byte).

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{BatteryRead, Levels, ModelRead};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, Protocol, Step};

/// The database name.
pub(crate) const NAME: &str = "vibratissimo";

const MODEL_LENGTH: u32 = 128;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Vibratissimo { model: ModelRead::Ask, motors: Levels::default() })
}

#[derive(Debug)]
struct Vibratissimo {
    model: ModelRead,
    motors: Levels,
}

fn model_name(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

impl Protocol for Vibratissimo {
    fn battery(&self) -> Option<BatteryRead> {
        Some(BatteryRead::BLE)
    }

    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(self.model.poll(NAME, MODEL_LENGTH)?.unwrap_or(Step::Done))
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        self.model.handle(NAME, endpoint, data, model_name);
        Ok(())
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::found(self.model.identifier())
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
        let mut levels = self.motors.levels().to_vec();
        if levels.len() == 1 {
            levels.push(0x00);
        }
        Ok(vec![
            HardwareCommand::write(Endpoint::TxMode, [0x03, 0xff]),
            HardwareCommand::write(Endpoint::TxVibrate, levels),
        ])
    }
}
