//! The device list. (The scanning messages and `RequestDeviceList` have the same shape in every
//! version and live in `v0`.)

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use super::input::{InputCommandType, InputType};
use super::output::OutputType;
use super::values::Range;
use crate::object::json_object;

/// The complete list of connected devices (docs/PROTOCOL.md 6.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct DeviceList {
    /// Request Id, or 0 for an event.
    pub id: u32,
    /// Devices by index.
    #[serde(deserialize_with = "indexed_map")]
    pub devices: BTreeMap<u32, Device>,
}

/// One connected device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct Device {
    /// Index of the device; equal to its key in the map.
    pub device_index: u32,
    /// Name from the device configuration.
    pub device_name: String,
    /// Name the user chose, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_display_name: Option<String>,
    /// Minimum milliseconds between two output dispatches.
    pub device_message_timing_gap: u32,
    /// Features by index.
    #[serde(deserialize_with = "indexed_map")]
    pub device_features: BTreeMap<u32, Feature>,
}

/// One feature of a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct Feature {
    /// Index of the feature; equal to its key in the map.
    pub feature_index: u32,
    /// Free text; may be empty.
    pub feature_description: String,
    /// Outputs the feature accepts; absent when none. Boxed, as are the inputs: both are large
    /// and often absent, and every device list holds a map of features (a map's node has room
    /// for eleven).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Box<FeatureOutput>>,
    /// Inputs the feature reports; absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Box<FeatureInput>>,
}

/// The `Output` object of a feature: one optional entry per output type. Output types this
/// version does not know are ignored when reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct FeatureOutput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vibrate: Option<ValueRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate: Option<ValueRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oscillate: Option<ValueRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constrict: Option<ValueRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spray: Option<ValueRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<ValueRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub led: Option<ValueRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<ValueRange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hw_position_with_duration: Option<PositionWithDurationRange>,
}

/// Properties of a single-value output: the accepted `Value` range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct ValueRange {
    /// Accepted command values.
    pub value: Range,
}

/// Properties of `HwPositionWithDuration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct PositionWithDurationRange {
    /// Accepted target positions.
    pub value: Range,
    /// Accepted durations in milliseconds.
    pub duration: Range,
}

/// The `Input` object of a feature: one optional entry per input type.
///
/// Read tolerantly, like every server message: input types this version does not know are
/// ignored (a client must ignore types newer than its minor version, docs/PROTOCOL.md 4.1), and the
/// spellings `InputType` accepts are accepted as keys.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct FeatureInput {
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "battery")]
    pub battery: Option<InputProperties>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "RSSI", alias = "rssi")]
    pub rssi: Option<InputProperties>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "pressure")]
    pub pressure: Option<InputProperties>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "button")]
    pub button: Option<InputProperties>,
}

/// Properties of one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct InputProperties {
    /// One range per reported value.
    pub value: Vec<Range>,
    /// The commands the input accepts.
    pub command: Vec<InputCommandType>,
}

/// Something stored in a map keyed by its own index.
trait Indexed {
    fn index(&self) -> u32;
}

impl Indexed for Device {
    fn index(&self) -> u32 {
        self.device_index
    }
}

impl Indexed for Feature {
    fn index(&self) -> u32 {
        self.feature_index
    }
}

/// An index-keyed map whose keys must equal the index inside each value.
fn indexed_map<'de, D, T>(deserializer: D) -> Result<BTreeMap<u32, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Indexed,
{
    let map = BTreeMap::<u32, T>::deserialize(deserializer)?;
    if let Some((key, value)) = map.iter().find(|(key, value)| **key != value.index()) {
        return Err(D::Error::custom(format_args!(
            "map key {key} differs from the index {}",
            value.index()
        )));
    }
    Ok(map)
}

json_object!(
    DeviceList,
    Device,
    Feature,
    FeatureOutput,
    ValueRange,
    PositionWithDurationRange,
    FeatureInput,
    InputProperties
);

impl FeatureOutput {
    /// The advertised `Value` range of `output`, and its `Duration` range for
    /// `HwPositionWithDuration`; `None` when the feature does not offer that output.
    pub fn ranges(&self, output: OutputType) -> Option<(Range, Option<Range>)> {
        let value = |entry: Option<ValueRange>| entry.map(|e| (e.value, None));
        match output {
            OutputType::Vibrate => value(self.vibrate),
            OutputType::Rotate => value(self.rotate),
            OutputType::Oscillate => value(self.oscillate),
            OutputType::Constrict => value(self.constrict),
            OutputType::Spray => value(self.spray),
            OutputType::Temperature => value(self.temperature),
            OutputType::Led => value(self.led),
            OutputType::Position => value(self.position),
            OutputType::HwPositionWithDuration => {
                self.hw_position_with_duration.map(|e| (e.value, Some(e.duration)))
            }
        }
    }

    /// The output types offered, in the order stop commands prefer them (docs/PROTOCOL.md 9).
    pub fn types(&self) -> impl Iterator<Item = OutputType> + '_ {
        OutputType::ALL.into_iter().filter(|ty| self.ranges(*ty).is_some())
    }
}

impl FeatureInput {
    /// The properties of `input`; `None` when the feature does not report it.
    pub fn get(&self, input: InputType) -> Option<&InputProperties> {
        match input {
            InputType::Battery => self.battery.as_ref(),
            InputType::Rssi => self.rssi.as_ref(),
            InputType::Pressure => self.pressure.as_ref(),
            InputType::Button => self.button.as_ref(),
        }
    }

    /// The input types reported.
    pub fn types(&self) -> impl Iterator<Item = InputType> + '_ {
        InputType::ALL.into_iter().filter(|ty| self.get(*ty).is_some())
    }
}

impl InputProperties {
    /// Whether the input accepts `command`. `Unsubscribe` is accepted wherever `Subscribe` is
    /// (docs/PROTOCOL.md 6.11).
    pub fn accepts(&self, command: InputCommandType) -> bool {
        match command {
            InputCommandType::Unsubscribe => self
                .command
                .iter()
                .any(|c| matches!(c, InputCommandType::Subscribe | InputCommandType::Unsubscribe)),
            other => self.command.contains(&other),
        }
    }
}
