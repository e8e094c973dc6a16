//! Device enumeration of spec v2 (docs/VERSIONS.md 4.3 and 8.2): feature counts and step counts.

use serde::{Deserialize, Serialize};

use crate::object::json_object;
use crate::v1::NoAttributes;

/// The connected devices, as a reply to `RequestDeviceList`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct DeviceList {
    /// Request Id.
    pub id: u32,
    /// The devices, ascending `DeviceIndex`.
    pub devices: Vec<Device>,
}

/// One device of a [`DeviceList`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct Device {
    /// Index of the device.
    pub device_index: u32,
    /// Name from the device configuration.
    pub device_name: String,
    /// The messages the device accepts.
    pub device_messages: DeviceMessages,
}

/// Event: a device connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct DeviceAdded {
    /// Always 0.
    pub id: u32,
    /// Index of the device.
    pub device_index: u32,
    /// Name from the device configuration.
    pub device_name: String,
    /// The messages the device accepts.
    pub device_messages: DeviceMessages,
}

impl DeviceAdded {
    /// The event announcing `device`.
    pub fn new(device: Device) -> Self {
        let Device { device_index, device_name, device_messages } = device;
        Self { id: 0, device_index, device_name, device_messages }
    }
}

/// The v2 `DeviceMessages` object: one optional key per message.
///
/// We never send `RSSILevelCmd` or the raw keys; they are kept for reading other servers' lists.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct DeviceMessages {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vibrate_cmd: Option<StepAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_cmd: Option<StepAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_cmd: Option<StepAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_level_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "RSSILevelCmd")]
    pub rssi_level_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_device_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_read_cmd: Option<RawAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_write_cmd: Option<RawAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_subscribe_cmd: Option<RawAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_unsubscribe_cmd: Option<RawAttributes>,
}

/// `{"FeatureCount": n, "StepCount": [...]}`: one step count per feature, in list order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct StepAttributes {
    /// How many features the message addresses.
    pub feature_count: u32,
    /// The step count of each feature.
    pub step_count: Vec<u32>,
}

/// `{"Endpoints": [...]}`: the endpoints a raw message may use; never sent by us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct RawAttributes {
    /// Endpoint names (`DEVICE_CONFIG.md`).
    pub endpoints: Vec<String>,
}

json_object!(DeviceList, Device, DeviceAdded, DeviceMessages, StepAttributes, RawAttributes);
