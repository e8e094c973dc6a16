//! Device enumeration of spec v3 (docs/VERSIONS.md 4.3 and 9.2): per-feature attribute arrays,
//! display names and timing gaps.

use serde::{Deserialize, Serialize};

use super::commands::{ActuatorType, SensorType};
use crate::object::json_object;
use crate::v1::NoAttributes;
use crate::v2::RawAttributes;

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
    /// Name the user chose, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_display_name: Option<String>,
    /// The enforced gap between two outputs in milliseconds; always sent by us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_message_timing_gap: Option<u32>,
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
    /// Name the user chose, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_display_name: Option<String>,
    /// The enforced gap between two outputs in milliseconds; always sent by us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_message_timing_gap: Option<u32>,
    /// The messages the device accepts.
    pub device_messages: DeviceMessages,
}

impl DeviceAdded {
    /// The event announcing `device`.
    pub fn new(device: Device) -> Self {
        let Device {
            device_index,
            device_name,
            device_display_name,
            device_message_timing_gap,
            device_messages,
        } = device;
        Self {
            id: 0,
            device_index,
            device_name,
            device_display_name,
            device_message_timing_gap,
            device_messages,
        }
    }
}

/// The v3 `DeviceMessages` object: one optional key per message.
///
/// We never send `SensorSubscribeCmd` or the raw keys; they are kept for reading other servers'
/// lists.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct DeviceMessages {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalar_cmd: Option<Vec<ActuatorAttributes>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_cmd: Option<Vec<ActuatorAttributes>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_cmd: Option<Vec<ActuatorAttributes>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor_read_cmd: Option<Vec<SensorAttributes>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor_subscribe_cmd: Option<Vec<SensorAttributes>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_device_cmd: Option<NoAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_read_cmd: Option<RawAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_write_cmd: Option<RawAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_subscribe_cmd: Option<RawAttributes>,
}

/// One actuator of a `ScalarCmd`, `RotateCmd` or `LinearCmd` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct ActuatorAttributes {
    /// The feature's description; may be empty.
    pub feature_descriptor: String,
    /// What the actuator does (`Position` for `LinearCmd` entries).
    pub actuator_type: ActuatorType,
    /// The number of steps above 0.
    pub step_count: u32,
}

/// One sensor of a `SensorReadCmd` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct SensorAttributes {
    /// The feature's description; may be empty.
    pub feature_descriptor: String,
    /// What the sensor reports.
    pub sensor_type: SensorType,
    /// One inclusive `[min, max]` range per reported value.
    pub sensor_range: Vec<[i32; 2]>,
}

json_object!(DeviceList, Device, DeviceAdded, DeviceMessages, ActuatorAttributes, SensorAttributes);
