//! Device enumeration of spec v1 (docs/VERSIONS.md 4.3 and 7.2): message attributes with feature
//! counts.

use serde::{Deserialize, Serialize};

use crate::object::json_object;

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

/// The v1 `DeviceMessages` object: one optional key per message.
///
/// We only ever send the first five keys; the device-specific ones are kept so that a client
/// reading another server's list keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct DeviceMessages {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vibrate_cmd: Option<FeatureCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_cmd: Option<FeatureCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_cmd: Option<FeatureCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_motor_vibrate_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_device_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleshlight_launch_f_w12_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vorze_a10_cyclone_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiiroo_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lovense_cmd: Option<NoAttributes>,
}

/// `{"FeatureCount": n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct FeatureCount {
    /// How many features the message addresses.
    pub feature_count: u32,
}

/// `{}`: a message without attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct NoAttributes {}

json_object!(DeviceList, Device, DeviceAdded, DeviceMessages, FeatureCount, NoAttributes);
