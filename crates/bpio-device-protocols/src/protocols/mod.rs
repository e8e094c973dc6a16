//! One module per device protocol. Each exports `NAME` (the database's protocol name) and
//! `create`, and is listed once in [`crate::registry::PROTOCOLS`].

/// `handle_step_data` and `identifier` for protocols without a handshake whose identifier is
/// the advertised name, kept in a field `name`.
macro_rules! identified_by_name {
    () => {
        fn handle_step_data(
            &mut self,
            endpoint: bpio_hardware::Endpoint,
            data: &[u8],
        ) -> Result<(), crate::error::ProtocolError> {
            super::no_step_data(NAME, endpoint, data)
        }

        fn identifier(&self) -> Option<&str> {
            Some(&self.name)
        }
    };
}

/// `poll_step`, `handle_step_data` and `identifier` for protocols whose only handshake is a
/// [`ModelRead`] (kept in a field `model`) of `$length` bytes, parsed by `$parse`.
macro_rules! identified_by_model {
    ($length:expr, $parse:expr) => {
        fn poll_step(&mut self) -> Result<crate::protocol::Step, crate::error::ProtocolError> {
            Ok(self.model.poll(NAME, $length)?.unwrap_or(crate::protocol::Step::Done))
        }

        fn handle_step_data(
            &mut self,
            endpoint: bpio_hardware::Endpoint,
            data: &[u8],
        ) -> Result<(), crate::error::ProtocolError> {
            self.model.handle(NAME, endpoint, data, $parse);
            Ok(())
        }

        fn identifier(&self) -> Option<&str> {
            self.model.identifier()
        }
    };
}

/// `subscribe` and `unsubscribe` for devices whose inputs offer no subscription.
macro_rules! no_subscriptions {
    () => {
        fn subscribe(
            &mut self,
            feature: &bpio_device_config::Feature,
            input: bpio_protocol::v4::InputType,
        ) -> Result<Vec<bpio_hardware::HardwareCommand>, crate::error::ProtocolError> {
            Err(crate::error::ProtocolError::UnsupportedInput { feature: feature.index, input })
        }

        fn unsubscribe(
            &mut self,
            _: &bpio_device_config::Feature,
            _: bpio_protocol::v4::InputType,
        ) -> Result<Vec<bpio_hardware::HardwareCommand>, crate::error::ProtocolError> {
            Ok(Vec::new())
        }
    };
}

/// The input half of [`crate::Protocol`] for devices without inputs: every read and subscription
/// is refused, nothing is a reading.
macro_rules! no_inputs {
    () => {
        fn read(
            &mut self,
            feature: &bpio_device_config::Feature,
            input: bpio_protocol::v4::InputType,
        ) -> Result<crate::protocol::InputPlan, crate::error::ProtocolError> {
            Err(crate::error::ProtocolError::UnsupportedInput { feature: feature.index, input })
        }

        no_subscriptions!();

        fn parse_reading(
            &mut self,
            _: u32,
            _: bpio_protocol::v4::InputType,
            _: bpio_hardware::Endpoint,
            _: &[u8],
        ) -> Option<bpio_protocol::v4::Reading> {
            None
        }
    };
}

pub(crate) mod adrienlastic;
pub(crate) mod amorelie_joy;
pub(crate) mod cachito;
pub(crate) mod cowgirl;
pub(crate) mod cowgirl_cone;
pub(crate) mod cueme;
pub(crate) mod deepsire;
pub(crate) mod fluffer;
pub(crate) mod fmachine;
pub(crate) mod foreo;
pub(crate) mod galaku;
pub(crate) mod galaku_pump;
pub(crate) mod hismith;
pub(crate) mod hismith_mini;
pub(crate) mod honeyplaybox;
pub(crate) mod itoys;
pub(crate) mod joyhub;
pub(crate) mod kiiroo_prowand;
pub(crate) mod kiiroo_v2;
pub(crate) mod kiiroo_v21;
pub(crate) mod kiiroo_v21_initialized;
pub(crate) mod kiiroo_v2_vibrator;
pub(crate) mod kiiroo_v3;
pub(crate) mod lelo_f1sv2;
pub(crate) mod lelo_harmony;
pub(crate) mod libo_elle;
pub(crate) mod libo_vibes;
pub(crate) mod lovedistance;
pub(crate) mod lovehoney_desire;
pub(crate) mod lovense;
pub(crate) mod luvmazer;
pub(crate) mod magic_motion_1;
pub(crate) mod magic_motion_2;
pub(crate) mod magic_motion_4;
pub(crate) mod meese;
pub(crate) mod monsterpub;
pub(crate) mod motorbunny;
pub(crate) mod mysteryvibe;
pub(crate) mod mysteryvibe_v2;
pub(crate) mod patoo;
pub(crate) mod picobong;
pub(crate) mod pink_punch;
pub(crate) mod sakuraneko;
pub(crate) mod satisfyer;
pub(crate) mod sensee_v2;
pub(crate) mod sexverse_v1;
pub(crate) mod sexverse_v2;
pub(crate) mod sexverse_v3;
pub(crate) mod sexverse_v4;
pub(crate) mod sexverse_v5;
pub(crate) mod sexverse_v6;
pub(crate) mod simple;
pub(crate) mod simulated;
mod support;
pub(crate) mod svakom;
pub(crate) mod svakom_fatima;
pub(crate) mod svakom_pulse;
pub(crate) mod svakom_sam2;
pub(crate) mod svakom_suitcase;
pub(crate) mod svakom_v1;
pub(crate) mod svakom_v2;
pub(crate) mod svakom_v3;
pub(crate) mod svakom_v4;
pub(crate) mod svakom_v5;
pub(crate) mod svakom_v6;
pub(crate) mod synchro;
pub(crate) mod tcode_v03;
pub(crate) mod thehandy_v3;
pub(crate) mod tryfun;
pub(crate) mod tryfun_blackhole;
pub(crate) mod umove;
pub(crate) mod utimi;
pub(crate) mod vibcrafter;
pub(crate) mod vibio;
pub(crate) mod vibratissimo;
pub(crate) mod vorze_sa;
pub(crate) mod wevibe;
pub(crate) mod wevibe_8bit;
pub(crate) mod wevibe_chorus;
pub(crate) mod yiciyuan;
pub(crate) mod zalo;

use std::time::Duration;

use bpio_device_config::{Definition, Feature};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, OutputType, Reading, ReadingValue};

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, InputPlan, ReplyWait, Step};

/// `handle_step_data` for protocols without a handshake: no data is expected.
pub(crate) fn no_step_data(
    protocol: &'static str,
    _: Endpoint,
    _: &[u8],
) -> Result<(), ProtocolError> {
    Err(ProtocolError::BadReply { protocol, reason: "data during a handshake without steps" })
}

/// The refusal of an output type a protocol has no encoding for.
pub(crate) fn unsupported<T>(feature: u32, output: OutputType) -> Result<T, ProtocolError> {
    Err(ProtocolError::UnsupportedOutput { feature, output })
}

/// The magnitude of a command as one byte. The framework has checked the value against the
/// feature's range; this refuses only ranges (from user configs) wider than the firmware's byte.
pub(crate) fn level(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    u8::try_from(command.value.unsigned_abs()).map_err(|_| ProtocolError::ValueOutOfRange {
        feature,
        output: command.output,
        value: command.value.into(),
    })
}

/// Encodes a batch one output at a time: `write` gives the writes of one command from its
/// feature, the command and its magnitude as one byte.
pub(crate) fn each_output(
    batch: &[(u32, HwOutput)],
    mut write: impl FnMut(u32, &HwOutput, u8) -> Result<Vec<HardwareCommand>, ProtocolError>,
) -> Result<Vec<HardwareCommand>, ProtocolError> {
    let mut writes = Vec::with_capacity(batch.len());
    for (feature, command) in batch {
        writes.extend(write(*feature, command, level(*feature, command)?)?);
    }
    Ok(writes)
}

/// A battery level in the first byte of a value from `rxblebattery`.
pub(crate) fn battery_byte(input: InputType, endpoint: Endpoint, data: &[u8]) -> Option<Reading> {
    if input != InputType::Battery || endpoint != Endpoint::RxBleBattery {
        return None;
    }
    let level = *data.first()?;
    (level <= 100).then_some(Reading::Battery(ReadingValue { value: level }))
}

/// The plan of a battery `Read` that the device answers with a notification on `rxblebattery`:
/// subscribe there, then `ask` (the write that makes the device report, if it needs one).
pub(crate) fn pushed_battery(
    feature: &Feature,
    input: InputType,
    ask: Option<HardwareCommand>,
    timeout: Duration,
) -> Result<InputPlan, ProtocolError> {
    if input != InputType::Battery {
        return Err(ProtocolError::UnsupportedInput { feature: feature.index, input });
    }
    let mut commands = vec![HardwareCommand::subscribe(Endpoint::RxBleBattery)];
    commands.extend(ask);
    let reply = ReplyWait::Notification { endpoint: Endpoint::RxBleBattery, timeout };
    Ok(InputPlan { commands, reply: Some(reply) })
}

/// The last level of each motor, for firmware that takes every motor in one packet: a batch
/// updates some levels and the packet carries them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Levels {
    /// (feature index, level), in slot order.
    slots: Vec<(u32, u8)>,
}

impl Levels {
    /// One slot per feature index, all at 0.
    pub(crate) fn new(features: impl IntoIterator<Item = u32>) -> Self {
        Self { slots: features.into_iter().map(|feature| (feature, 0)).collect() }
    }

    /// One slot per feature with at least one output, in definition order.
    pub(crate) fn of_outputs(definition: &Definition) -> Self {
        Self::new(
            definition
                .features
                .iter()
                .filter(|feature| !feature.outputs.is_empty())
                .map(|feature| feature.index),
        )
    }

    /// Sets the level of `feature`; `false` when it has no slot.
    pub(crate) fn set(&mut self, feature: u32, level: u8) -> bool {
        match self.slots.iter_mut().find(|(index, _)| *index == feature) {
            Some((_, slot)) => {
                *slot = level;
                true
            }
            None => false,
        }
    }

    /// Sets every command of `batch` (each must be one of `outputs`) to its level, or changes
    /// nothing and refuses the batch.
    pub(crate) fn apply(
        &mut self,
        batch: &[(u32, HwOutput)],
        outputs: &[OutputType],
    ) -> Result<(), ProtocolError> {
        let mut next = self.clone();
        for (feature, command) in batch {
            let value = level(*feature, command)?;
            if !outputs.contains(&command.output) || !next.set(*feature, value) {
                return unsupported(*feature, command.output);
            }
        }
        *self = next;
        Ok(())
    }

    /// The level of the slot at `position` (0 past the end: a motor the device lacks).
    pub(crate) fn at(&self, position: usize) -> u8 {
        self.slots.get(position).map_or(0, |(_, level)| *level)
    }

    /// Every level, in slot order.
    pub(crate) fn levels(&self) -> impl Iterator<Item = u8> + '_ {
        self.slots.iter().map(|(_, level)| *level)
    }

    /// The number of slots.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }
}

/// The last level of each output type, for firmware whose one packet carries a level per type
/// (one vibrator, one rotator, …) whichever feature sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeLevels {
    /// (output type, level), in packet order.
    slots: Vec<(OutputType, u8)>,
}

impl TypeLevels {
    /// One slot per type, in packet order, all at 0.
    pub(crate) fn new(types: &[OutputType]) -> Self {
        Self { slots: types.iter().map(|output| (*output, 0)).collect() }
    }

    /// Sets the level of each command's type, or changes nothing and refuses the batch.
    pub(crate) fn apply(&mut self, batch: &[(u32, HwOutput)]) -> Result<(), ProtocolError> {
        let mut next = self.clone();
        for (feature, command) in batch {
            let value = level(*feature, command)?;
            match next.slots.iter_mut().find(|(output, _)| *output == command.output) {
                Some((_, slot)) => *slot = value,
                None => return unsupported(*feature, command.output),
            }
        }
        *self = next;
        Ok(())
    }

    /// Every level, in packet order.
    pub(crate) fn levels(&self) -> impl Iterator<Item = u8> + '_ {
        self.slots.iter().map(|(_, level)| *level)
    }
}

/// Identification by one read of the model characteristic (`rxblemodel`): the identifier is
/// what the protocol makes of the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ModelRead {
    /// The read is still to be made.
    Ask,
    /// The read is out; its bytes come next.
    Asked,
    /// Identified.
    Known(String),
}

impl ModelRead {
    const TIMEOUT: Duration = Duration::from_millis(500);

    /// The identification step, `None` once identified.
    pub(crate) fn poll(
        &mut self,
        protocol: &'static str,
        length: u32,
    ) -> Result<Option<Step>, ProtocolError> {
        match self {
            Self::Ask => {
                *self = Self::Asked;
                let read = HardwareCommand::read(Endpoint::RxBleModel, length, Self::TIMEOUT);
                Ok(Some(Step::Command(read)))
            }
            Self::Asked => Err(ProtocolError::BadReply { protocol, reason: "no model read" }),
            Self::Known(_) => Ok(None),
        }
    }

    /// The bytes of the read.
    pub(crate) fn handle(
        &mut self,
        protocol: &'static str,
        endpoint: Endpoint,
        data: &[u8],
        parse: fn(&[u8]) -> String,
    ) {
        if *self == Self::Asked && endpoint == Endpoint::RxBleModel {
            let identifier = parse(data);
            tracing::debug!(protocol, identifier = %identifier, "identified");
            *self = Self::Known(identifier);
        }
    }

    /// The identifier, once known.
    pub(crate) fn identifier(&self) -> Option<&str> {
        match self {
            Self::Known(identifier) => Some(identifier),
            Self::Ask | Self::Asked => None,
        }
    }
}
