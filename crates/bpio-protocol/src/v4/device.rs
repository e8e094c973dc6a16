//! Scanning and the device list.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use super::input::InputCommandType;
use super::values::Range;
use crate::ids::ClientId;
use crate::object::json_object;

/// Start discovery on every backend (PROTOCOL.md 6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StartScanning {
    /// Message id.
    pub id: ClientId,
}

/// Stop discovery on every backend (PROTOCOL.md 6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StopScanning {
    /// Message id.
    pub id: ClientId,
}

/// Event: a scan ended by itself (PROTOCOL.md 6.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct ScanningFinished {
    /// Always 0.
    pub id: u32,
}

/// Ask for the connected devices (PROTOCOL.md 6.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RequestDeviceList {
    /// Message id.
    pub id: ClientId,
}

/// The complete list of connected devices (PROTOCOL.md 6.11).
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
    /// Outputs the feature accepts; absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<FeatureOutput>,
    /// Inputs the feature reports; absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<FeatureInput>,
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
/// ignored (a client must ignore types newer than its minor version, PROTOCOL.md 4.1), and the
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
    StartScanning,
    StopScanning,
    ScanningFinished,
    RequestDeviceList,
    DeviceList,
    Device,
    Feature,
    FeatureOutput,
    ValueRange,
    PositionWithDurationRange,
    FeatureInput,
    InputProperties
);
