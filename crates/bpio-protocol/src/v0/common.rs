//! Messages with the same shape in every spec version (docs/VERSIONS.md 3), defined here, in the
//! oldest version, and re-exported by name from every later version module.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::ids::ClientId;
use crate::object::json_object;

/// Keep-alive (docs/PROTOCOL.md 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Ping {
    /// Message id.
    pub id: ClientId,
}

/// Success reply (docs/PROTOCOL.md 6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct Ok {
    /// Id of the acknowledged request.
    pub id: u32,
}

/// Failure reply, or an error event with Id 0 (docs/PROTOCOL.md 5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct Error {
    /// Id of the offending request, or 0.
    pub id: u32,
    /// The error class.
    pub error_code: ErrorCode,
    /// Human-readable text; clients treat it as opaque.
    pub error_message: String,
}

/// Start discovery on every backend (docs/PROTOCOL.md 6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StartScanning {
    /// Message id.
    pub id: ClientId,
}

/// Stop discovery on every backend (docs/PROTOCOL.md 6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StopScanning {
    /// Message id.
    pub id: ClientId,
}

/// Event: a scan ended by itself (docs/PROTOCOL.md 6.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct ScanningFinished {
    /// Always 0.
    pub id: u32,
}

/// Ask for the connected devices (docs/PROTOCOL.md 6.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RequestDeviceList {
    /// Message id.
    pub id: ClientId,
}

/// Event: a device went away (docs/VERSIONS.md 3 and 11; v0–v3 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct DeviceRemoved {
    /// Always 0.
    pub id: u32,
    /// The device that went away.
    pub device_index: u32,
}

/// Stop one device, outputs and inputs (docs/VERSIONS.md 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StopDeviceCmd {
    /// Message id.
    pub id: ClientId,
    /// The device to stop.
    pub device_index: u32,
}

/// Stop every device (docs/VERSIONS.md 3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StopAllDevices {
    /// Message id.
    pub id: ClientId,
}

json_object!(
    Ping,
    Ok,
    Error,
    StartScanning,
    StopScanning,
    ScanningFinished,
    RequestDeviceList,
    DeviceRemoved,
    StopDeviceCmd,
    StopAllDevices
);
