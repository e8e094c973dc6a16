//! Hismith Mini and kin (BLE): `[cc <channel> <value> <checksum>]` on `tx`, one write per
//! output; the checksum is `value + channel`.
//!
//! Facts from the reference implementation:
//! - identification reads 128 bytes from `rxblemodel`; their hex digits are the identifier
//!   (`40 01` is `4001`).
//! - oscillate drives channel 3. Vibrate drives channel 5, except on toys with two vibrators,
//!   where the vibrator at feature 0 is channel 3. Constrict is channel 5 when it is the second
//!   feature of the definition, else channel 3.
//! - rotate writes its speed to channel 3, then the direction to channel 1: `c0 c1` clockwise
//!   (0 included), `c1 c2` the other way.
//! - spray is momentary: `[cc 0b 01 0c]` sprays. The reference writes it for every level, so
//!   its stop sprays too; ours writes nothing for 0.
//!
//! No init, no inputs, no keep-alive.

use bpio_device_config::{Definition, Feature, OutputKind};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{ModelRead, magnitude, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "hismith-mini";

const MODEL_LENGTH: u32 = 128;
const HEADER: u8 = 0xcc;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(HismithMini { model: ModelRead::Ask, channels: Channels::default() })
}

#[derive(Debug)]
struct HismithMini {
    model: ModelRead,
    channels: Channels,
}

/// Which channel each output drives, chosen from the definition.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Channels {
    dual_vibrator: bool,
    second_constrict: bool,
}

impl Channels {
    pub(crate) fn new(definition: &Definition) -> Self {
        let features = &definition.features;
        let has = |feature: &Feature, kind| feature.outputs.contains_key(&kind);
        Self {
            dual_vibrator: features.iter().filter(|f| has(f, OutputKind::Vibrate)).count() >= 2,
            second_constrict: features.iter().position(|f| has(f, OutputKind::Constrict))
                == Some(1),
        }
    }

    /// One write per output (two for rotate).
    pub(crate) fn encode(
        self,
        batch: &[(u32, HwOutput)],
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, magnitude, |feature, command, value| {
            let channel = match command.output {
                OutputType::Oscillate => 3,
                OutputType::Vibrate if self.dual_vibrator && feature != 1 => 3,
                OutputType::Vibrate => 5,
                OutputType::Constrict if self.second_constrict => 5,
                OutputType::Constrict => 3,
                OutputType::Rotate => {
                    let (way, check) = if command.value >= 0 { (0xc0, 0xc1) } else { (0xc1, 0xc2) };
                    let direction =
                        HardwareCommand::write(Endpoint::Tx, [HEADER, 0x01, way, check]);
                    return Ok(vec![channel_write(HEADER, 3, value), direction]);
                }
                OutputType::Spray if value > 0 => {
                    return Ok(vec![HardwareCommand::write(
                        Endpoint::Tx,
                        [HEADER, 0x0b, 0x01, 0x0c],
                    )]);
                }
                OutputType::Spray => return Ok(Vec::new()),
                _ => return Err(unsupported(feature, command)),
            };
            Ok(vec![channel_write(HEADER, channel, value)])
        })
    }
}

/// The identifier in the model characteristic's bytes: their hex digits.
pub(crate) fn model_hex(data: &[u8]) -> String {
    data.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `[header channel value value+channel]`.
pub(crate) fn channel_write(header: u8, channel: u8, value: u8) -> HardwareCommand {
    HardwareCommand::write(Endpoint::Tx, [header, channel, value, value.wrapping_add(channel)])
}

impl Protocol for HismithMini {
    identified_by_model!(MODEL_LENGTH, model_hex);

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        self.channels = Channels::new(definition);
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.channels.encode(batch)
    }

    no_inputs!();
}
