//! Commands of spec v0 (also part of v1): the generic `SingleMotorVibrateCmd`, the device-specific
//! commands our server refuses, and the test and logging messages (docs/VERSIONS.md 6.3–6.5).

use serde::{Deserialize, Serialize};

use super::values::{UnitInterval, UpTo};
use crate::ids::ClientId;
use crate::object::json_object;

/// Vibrate every vibrator of a device at one speed (docs/VERSIONS.md 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SingleMotorVibrateCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Speed for every vibrator.
    pub speed: UnitInterval,
}

/// Fleshlight Launch (firmware 1.2) command; refused with ERROR_MSG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FleshlightLaunchFW12Cmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Target position, 0–99.
    pub position: UpTo<99>,
    /// Movement speed, 0–99.
    pub speed: UpTo<99>,
}

/// Vorze A10 Cyclone command; refused with ERROR_MSG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct VorzeA10CycloneCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Rotation speed, 0–100 (public spec and schema).
    pub speed: UpTo<100>,
    /// Rotation direction.
    pub clockwise: bool,
}

/// Kiiroo Onyx/Pearl command; refused with ERROR_MSG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct KiirooCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// A string holding an integer 0–4 (not checked: the message is refused anyway).
    pub command: String,
}

/// Raw Lovense text command; refused with ERROR_MSG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LovenseCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// The Lovense command text.
    pub command: String,
}

/// Echo test, in both directions; a client's `Test` is refused with ERROR_MSG and a server never
/// sends one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Test {
    /// Message id.
    pub id: ClientId,
    /// The text to echo.
    pub test_string: String,
}

/// Ask for the server log; refused with ERROR_MSG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RequestLog {
    /// Message id.
    pub id: ClientId,
    /// The most verbose level wanted; `Off` stops the log.
    pub log_level: LogLevel,
}

/// One server log line; never sent by us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct Log {
    /// Always 0.
    pub id: u32,
    /// Level of the line.
    pub log_level: LogLevel,
    /// The line.
    pub log_message: String,
}

/// Log levels of [`RequestLog`] and [`Log`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum LogLevel {
    Off,
    Fatal,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

json_object!(
    SingleMotorVibrateCmd,
    FleshlightLaunchFW12Cmd,
    VorzeA10CycloneCmd,
    KiirooCmd,
    LovenseCmd,
    Test,
    RequestLog,
    Log
);
