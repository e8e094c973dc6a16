//! Battery, RSSI and raw endpoint messages of spec v2 (docs/VERSIONS.md 8.3); the raw ones are also
//! part of v3.

use serde::{Deserialize, Serialize};

use crate::ids::ClientId;
use crate::object::json_object;
use crate::v1::NonEmpty;

/// Read the battery level of a device (v2 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BatteryLevelCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
}

/// Reply to [`BatteryLevelCmd`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct BatteryLevelReading {
    /// Id of the request.
    pub id: u32,
    /// The device.
    pub device_index: u32,
    /// Battery percent ÷ 100.
    pub battery_level: f64,
}

/// Read the signal strength of a device; refused with ERROR_DEVICE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RSSILevelCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
}

/// Reply to [`RSSILevelCmd`]; never sent by us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct RSSILevelReading {
    /// Id of the request.
    pub id: u32,
    /// The device.
    pub device_index: u32,
    /// Signal strength in dBm, as the public spec says (the schema says a number in 0..1).
    #[serde(rename = "RSSILevel")]
    pub rssi_level: i32,
}

/// Write bytes to an endpoint; refused with ERROR_DEVICE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RawWriteCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Endpoint name.
    pub endpoint: String,
    /// The bytes, at least one.
    pub data: NonEmpty<u8>,
    /// Whether a BLE write waits for the response.
    pub write_with_response: bool,
}

/// Read bytes from an endpoint; refused with ERROR_DEVICE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RawReadCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Endpoint name.
    pub endpoint: String,
    /// Bytes to read, 0 = whatever is available. Written `Length` (schema); the public spec's
    /// `ExpectedLength` is accepted too.
    #[serde(alias = "ExpectedLength")]
    pub length: u32,
    /// Whether to wait until `length` bytes are available.
    pub wait_for_data: bool,
}

/// Subscribe to an endpoint; refused with ERROR_DEVICE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RawSubscribeCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Endpoint name.
    pub endpoint: String,
}

/// End an endpoint subscription; refused with ERROR_DEVICE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RawUnsubscribeCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Endpoint name.
    pub endpoint: String,
}

/// Bytes from an endpoint; never sent by us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct RawReading {
    /// Id of the request, or 0 for subscription data.
    pub id: u32,
    /// The device.
    pub device_index: u32,
    /// Endpoint name.
    pub endpoint: String,
    /// The bytes.
    pub data: Vec<u8>,
}

json_object!(
    BatteryLevelCmd,
    BatteryLevelReading,
    RSSILevelCmd,
    RSSILevelReading,
    RawWriteCmd,
    RawReadCmd,
    RawSubscribeCmd,
    RawUnsubscribeCmd,
    RawReading
);
