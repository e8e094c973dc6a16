//! The device list. (The scanning messages and `RequestDeviceList` have the same shape in every
//! version and live in `v0`.)

use std::collections::BTreeMap;
use std::sync::Arc;

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
    /// Devices by index, shared: the server hands the same list to every session and event,
    /// so a copy costs a reference count, not the devices (docs/SCALING.md).
    #[serde(deserialize_with = "shared_indexed_map")]
    pub devices: Devices,
}

/// Devices by index, as a device list carries them.
pub type Devices = Arc<BTreeMap<u32, Device>>;

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

/// The ranges one output accepts: `Value`, and `Duration` for `HwPositionWithDuration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputRanges {
    /// Accepted values.
    pub value: Range,
    /// Accepted durations in milliseconds; `HwPositionWithDuration` only.
    pub duration: Option<Range>,
}

/// Why an output command does not fit the output it addresses (docs/PROTOCOL.md 6.12, steps 4
/// and 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutputRefusal {
    /// The value is outside the `Value` range.
    #[error("{output} value {value} is outside {range}")]
    Value {
        /// The output type.
        output: OutputType,
        /// The refused value.
        value: i64,
        /// The accepted range.
        range: Range,
    },
    /// The duration is outside the `Duration` range.
    #[error("{output} duration {duration} is outside {range}")]
    Duration {
        /// The output type.
        output: OutputType,
        /// The refused duration.
        duration: i64,
        /// The accepted range.
        range: Range,
    },
    /// A duration on a type that takes none, or `HwPositionWithDuration` without a duration or
    /// without a `Duration` range to check it against.
    #[error("{output} does not take the duration {duration:?}")]
    UnusableDuration {
        /// The output type.
        output: OutputType,
        /// The duration given, if any.
        duration: Option<i64>,
    },
}

impl OutputRanges {
    /// Checks a command's `value` and `duration` for `output` against these ranges: the one
    /// check of an output command, whether against the advertised ranges or an encoder's.
    pub fn check(
        &self,
        output: OutputType,
        value: i64,
        duration: Option<i64>,
    ) -> Result<(), OutputRefusal> {
        if !self.value.contains(value) {
            return Err(OutputRefusal::Value { output, value, range: self.value });
        }
        let timed = output == OutputType::HwPositionWithDuration;
        match (timed, duration, self.duration) {
            (true, Some(duration), Some(range)) if !range.contains(duration) => {
                Err(OutputRefusal::Duration { output, duration, range })
            }
            (true, Some(_), Some(_)) | (false, None, _) => Ok(()),
            (true, _, _) | (false, Some(_), _) => {
                Err(OutputRefusal::UnusableDuration { output, duration })
            }
        }
    }
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

fn shared_indexed_map<'de, D, T>(deserializer: D) -> Result<Arc<BTreeMap<u32, T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Indexed,
{
    indexed_map(deserializer).map(Arc::new)
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
    /// The advertised ranges of `output`; `None` when the feature does not offer that output.
    pub fn ranges(&self, output: OutputType) -> Option<OutputRanges> {
        let value = |entry: Option<ValueRange>| {
            entry.map(|e| OutputRanges { value: e.value, duration: None })
        };
        match output {
            OutputType::Vibrate => value(self.vibrate),
            OutputType::Rotate => value(self.rotate),
            OutputType::Oscillate => value(self.oscillate),
            OutputType::Constrict => value(self.constrict),
            OutputType::Spray => value(self.spray),
            OutputType::Temperature => value(self.temperature),
            OutputType::Led => value(self.led),
            OutputType::Position => value(self.position),
            OutputType::HwPositionWithDuration => self
                .hw_position_with_duration
                .map(|e| OutputRanges { value: e.value, duration: Some(e.duration) }),
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
    /// Whether the input accepts `command` (see [`InputCommandType::is_offered_by`]).
    pub fn accepts(&self, command: InputCommandType) -> bool {
        command.is_offered_by(&self.command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_ranges_check_the_value_then_the_duration() {
        let range = |min, max| Range::new(min, max).unwrap();
        let timed = OutputRanges { value: range(0, 100), duration: Some(range(0, 500)) };
        let stroke = OutputType::HwPositionWithDuration;
        assert_eq!(timed.check(stroke, 100, Some(500)), Ok(()));
        let refused = timed.check(stroke, 101, Some(501)).unwrap_err();
        assert_eq!(refused.to_string(), "HwPositionWithDuration value 101 is outside [0, 100]");
        let refused = timed.check(stroke, 5, Some(501)).unwrap_err();
        assert_eq!(refused.to_string(), "HwPositionWithDuration duration 501 is outside [0, 500]");
        assert!(matches!(
            timed.check(stroke, 5, None),
            Err(OutputRefusal::UnusableDuration { duration: None, .. })
        ));
        let level = OutputRanges { value: range(-10, 10), duration: None };
        assert_eq!(level.check(OutputType::Rotate, -10, None), Ok(()));
        assert!(matches!(
            level.check(OutputType::Rotate, 1, Some(5)),
            Err(OutputRefusal::UnusableDuration { duration: Some(5), .. })
        ));
        assert!(matches!(
            level.check(stroke, 1, Some(5)),
            Err(OutputRefusal::UnusableDuration { duration: Some(5), .. })
        ));
    }
}
