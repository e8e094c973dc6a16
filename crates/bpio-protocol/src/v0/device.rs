//! Device enumeration of spec v0 (docs/VERSIONS.md 6.2): devices list the names of the messages
//! they accept.

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
    /// Names of the messages the device accepts, sorted.
    pub device_messages: Vec<String>,
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
    /// Names of the messages the device accepts, sorted.
    pub device_messages: Vec<String>,
}

impl DeviceAdded {
    /// The event announcing `device`.
    pub fn new(device: Device) -> Self {
        let Device { device_index, device_name, device_messages } = device;
        Self { id: 0, device_index, device_name, device_messages }
    }
}

json_object!(DeviceList, Device, DeviceAdded);
