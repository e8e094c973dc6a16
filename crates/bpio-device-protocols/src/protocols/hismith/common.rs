//! What the Hismith firmwares share: identification by the model read as hex digits, channel
//! writes, and the channels of the newer firmware ([`Hismith`], the state machine of both
//! protocols).

use bpio_device_config::{Definition, Feature};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Identifier, Protocol, Step};
use crate::protocols::common::{ModelRead, magnitude, unsupported, write_each};

/// How many bytes the model characteristic has.
const MODEL_LENGTH: u32 = 128;

/// The first byte of every write of the newer firmware.
const HEADER: u8 = 0xcc;

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
            dual_vibrator: features.iter().filter(|f| has(f, OutputType::Vibrate)).count() >= 2,
            second_constrict: features.iter().position(|f| has(f, OutputType::Constrict))
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
fn model_hex(data: &[u8]) -> String {
    data.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `[header channel value value+channel]`.
pub(crate) fn channel_write(header: u8, channel: u8, value: u8) -> HardwareCommand {
    HardwareCommand::write(Endpoint::Tx, [header, channel, value, value.wrapping_add(channel)])
}

/// Encodes a batch for the older firmware.
pub(crate) type LegacyEncodeFn =
    fn(&[(u32, HwOutput)]) -> Result<Vec<HardwareCommand>, ProtocolError>;

/// The older firmware: the models that speak it (any model when none was read), and its encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Legacy {
    pub(crate) models: &'static [&'static str],
    pub(crate) encode: LegacyEncodeFn,
}

/// A Hismith device: identified by its model, then driven on the newer firmware's channels
/// unless the protocol has a [`Legacy`] firmware that claims the model.
#[derive(Debug)]
pub(crate) struct Hismith {
    protocol: &'static str,
    model: ModelRead,
    legacy: Option<Legacy>,
    /// Set once configured for the newer firmware.
    channels: Option<Channels>,
}

impl Hismith {
    /// The protocol `protocol`, with the older firmware `legacy` if it has one.
    pub(crate) const fn new(protocol: &'static str, legacy: Option<Legacy>) -> Self {
        Self { protocol, model: ModelRead::Ask, legacy, channels: None }
    }
}

impl Protocol for Hismith {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(self.model.poll(self.protocol, MODEL_LENGTH)?.unwrap_or(Step::Done))
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        self.model.handle(self.protocol, endpoint, data, model_hex);
        Ok(())
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::found(self.model.identifier())
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let model = self.model.identifier();
        let legacy = self
            .legacy
            .is_some_and(|legacy| model.is_none_or(|model| legacy.models.contains(&model)));
        if self.legacy.is_some() && !legacy {
            tracing::info!(protocol = self.protocol, "newer firmware: driven as hismith-mini");
        }
        self.channels = (!legacy).then(|| Channels::new(definition));
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        match (self.channels, self.legacy) {
            (Some(channels), _) => channels.encode(batch),
            (None, Some(legacy)) => (legacy.encode)(batch),
            (None, None) => Err(ProtocolError::OutOfOrder("command before configure")),
        }
    }
}
