//! Features: the outputs and inputs of a device, and their conversion to the wire.

use std::collections::BTreeMap;
use std::fmt;

use bpio_protocol::v4;
use serde::{Deserialize, Serialize};

use crate::range::{ConfigRange, advertised_range, hardware_value};
use bpio_hardware::Uuid;

/// An output type as the config formats spell it (docs/DEVICE_CONFIG.md 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum OutputKind {
    Vibrate,
    Rotate,
    Oscillate,
    Constrict,
    Spray,
    Temperature,
    Led,
    Position,
    HwPositionWithDuration,
}

impl OutputKind {
    /// Every output type.
    pub const ALL: [Self; 9] = [
        Self::Vibrate,
        Self::Rotate,
        Self::Oscillate,
        Self::Constrict,
        Self::Spray,
        Self::Temperature,
        Self::Led,
        Self::Position,
        Self::HwPositionWithDuration,
    ];

    /// The type with this config key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == key)
    }

    /// The wire type.
    pub const fn to_protocol(self) -> v4::OutputType {
        match self {
            Self::Vibrate => v4::OutputType::Vibrate,
            Self::Rotate => v4::OutputType::Rotate,
            Self::Oscillate => v4::OutputType::Oscillate,
            Self::Constrict => v4::OutputType::Constrict,
            Self::Spray => v4::OutputType::Spray,
            Self::Temperature => v4::OutputType::Temperature,
            Self::Led => v4::OutputType::Led,
            Self::Position => v4::OutputType::Position,
            Self::HwPositionWithDuration => v4::OutputType::HwPositionWithDuration,
        }
    }

    /// Whether values are positions (mapped with an offset and `reverse`) rather than speeds.
    pub const fn is_position(self) -> bool {
        matches!(self, Self::Position | Self::HwPositionWithDuration)
    }

    /// The key in config files.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Vibrate => "vibrate",
            Self::Rotate => "rotate",
            Self::Oscillate => "oscillate",
            Self::Constrict => "constrict",
            Self::Spray => "spray",
            Self::Temperature => "temperature",
            Self::Led => "led",
            Self::Position => "position",
            Self::HwPositionWithDuration => "hw_position_with_duration",
        }
    }
}

impl fmt::Display for OutputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An input type as the config formats spell it (docs/DEVICE_CONFIG.md 5.4).
///
/// The config knows `depth` and `position`, which have no reading format on the wire yet; they
/// load but are never advertised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum InputKind {
    Battery,
    Rssi,
    Pressure,
    Button,
    Depth,
    Position,
}

impl InputKind {
    /// Every input type.
    pub const ALL: [Self; 6] =
        [Self::Battery, Self::Rssi, Self::Pressure, Self::Button, Self::Depth, Self::Position];

    /// The type with this config key.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == key)
    }

    /// The wire type, or `None` for the reserved kinds.
    pub const fn to_protocol(self) -> Option<v4::InputType> {
        match self {
            Self::Battery => Some(v4::InputType::Battery),
            Self::Rssi => Some(v4::InputType::Rssi),
            Self::Pressure => Some(v4::InputType::Pressure),
            Self::Button => Some(v4::InputType::Button),
            Self::Depth | Self::Position => None,
        }
    }

    /// The key in config files.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Battery => "battery",
            Self::Rssi => "rssi",
            Self::Pressure => "pressure",
            Self::Button => "button",
            Self::Depth => "depth",
            Self::Position => "position",
        }
    }
}

/// A command an input accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum InputCommand {
    #[serde(alias = "read")]
    Read,
    #[serde(alias = "subscribe")]
    Subscribe,
    #[serde(alias = "unsubscribe")]
    Unsubscribe,
}

impl InputCommand {
    const fn to_protocol(self) -> v4::InputCommandType {
        match self {
            Self::Read => v4::InputCommandType::Read,
            Self::Subscribe => v4::InputCommandType::Subscribe,
            Self::Unsubscribe => v4::InputCommandType::Unsubscribe,
        }
    }
}

/// One output of a feature: its base range and, after a user config applied, the user's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Base range from the device definition.
    pub value: ConfigRange,
    /// Base duration range in ms (`hw_position_with_duration` only).
    pub duration: Option<ConfigRange>,
    /// User limit on `value`, inside `[0, value.max]`.
    pub limit: Option<ConfigRange>,
    /// User limit on `duration`, inside `[0, duration.max]`.
    pub duration_limit: Option<ConfigRange>,
    /// Hidden from clients, commands refused.
    pub disabled: bool,
    /// Position axis inverted.
    pub reverse: bool,
}

impl Output {
    /// An output with a base range and nothing else.
    pub const fn new(value: ConfigRange) -> Self {
        Self {
            value,
            duration: None,
            limit: None,
            duration_limit: None,
            disabled: false,
            reverse: false,
        }
    }

    /// The `Value` range clients see, or `None` when it cannot be advertised.
    pub fn advertised_value(&self) -> Option<v4::Range> {
        advertised_range(self.value, self.limit)
    }

    /// The `Duration` range clients see (`[0, d_max]` or `[0, du_max - du_min]`).
    pub fn advertised_duration(&self) -> Option<v4::Range> {
        self.duration.and_then(|duration| advertised_range(duration, self.duration_limit))
    }

    /// The hardware value for an accepted client value (docs/PROTOCOL.md 7.3).
    pub fn hardware_value(&self, kind: OutputKind, value: i64) -> i64 {
        hardware_value(kind, self.value, self.limit, self.reverse, value)
    }
}

/// One input of a feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Range of each reported value.
    pub values: Vec<ConfigRange>,
    /// Commands the input accepts.
    pub commands: Vec<InputCommand>,
}

/// One feature of a device definition (docs/DEVICE_CONFIG.md 5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Feature index exposed to clients.
    pub index: u32,
    /// Stable id; user records point at it.
    pub id: Uuid,
    /// Free text, may be empty.
    pub description: String,
    /// Outputs by type.
    pub outputs: BTreeMap<OutputKind, Output>,
    /// Inputs by type.
    pub inputs: BTreeMap<InputKind, Input>,
    /// `feature_settings.alt_protocol_index`: reserved, kept so it survives conversion.
    pub alt_protocol_index: Option<i64>,
}

impl Feature {
    /// The wire feature, or `None` when it has neither an enabled, advertisable output nor an
    /// advertisable input (such features are left out of `DeviceFeatures`, docs/PROTOCOL.md 6.11).
    pub fn to_protocol(&self) -> Option<v4::Feature> {
        let mut output = v4::FeatureOutput::default();
        let mut any_output = false;
        for (kind, out) in self.outputs.iter().filter(|(_, out)| !out.disabled) {
            let Some(value) = out.advertised_value() else {
                tracing::warn!(feature = self.index, output = %kind, "output with a negative max is not advertised");
                continue;
            };
            let range = Some(v4::ValueRange { value });
            any_output = true;
            match kind {
                OutputKind::Vibrate => output.vibrate = range,
                OutputKind::Rotate => output.rotate = range,
                OutputKind::Oscillate => output.oscillate = range,
                OutputKind::Constrict => output.constrict = range,
                OutputKind::Spray => output.spray = range,
                OutputKind::Temperature => output.temperature = range,
                OutputKind::Led => output.led = range,
                OutputKind::Position => output.position = range,
                OutputKind::HwPositionWithDuration => {
                    // The loader guarantees a duration on this type; without one it is unusable.
                    match out.advertised_duration() {
                        Some(duration) => {
                            output.hw_position_with_duration =
                                Some(v4::PositionWithDurationRange { value, duration });
                        }
                        None => any_output = output != v4::FeatureOutput::default(),
                    }
                }
            }
        }
        let mut input = v4::FeatureInput::default();
        let mut any_input = false;
        for (kind, properties) in &self.inputs {
            let Some(wire_kind) = kind.to_protocol() else { continue };
            let properties = Some(v4::InputProperties {
                value: properties.values.iter().map(|range| range.to_protocol()).collect(),
                command: properties.commands.iter().map(|command| command.to_protocol()).collect(),
            });
            any_input = true;
            match wire_kind {
                v4::InputType::Battery => input.battery = properties,
                v4::InputType::Rssi => input.rssi = properties,
                v4::InputType::Pressure => input.pressure = properties,
                v4::InputType::Button => input.button = properties,
            }
        }
        (any_output || any_input).then(|| v4::Feature {
            feature_index: self.index,
            feature_description: self.description.clone(),
            output: any_output.then(|| Box::new(output)),
            input: any_input.then(|| Box::new(input)),
        })
    }
}

/// The `DeviceFeatures` map of the wire `Device` object for these features.
pub fn features_to_protocol(features: &[Feature]) -> BTreeMap<u32, v4::Feature> {
    features
        .iter()
        .filter_map(|feature| feature.to_protocol().map(|wire| (feature.index, wire)))
        .collect()
}
