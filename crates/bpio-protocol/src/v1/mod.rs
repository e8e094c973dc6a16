//! Protocol Spec v1: every message with its exact JSON shape (docs/VERSIONS.md 2 and 7).
//!
//! v1 adds `MessageVersion` to the handshake, the generic `VibrateCmd`, `RotateCmd` and
//! `LinearCmd`, and message attributes with feature counts. Messages whose shape did not change
//! are re-exported from [`v0`](crate::v0).

mod commands;
mod device;
mod handshake;
mod values;

pub use commands::{
    LinearCmd, LinearSubcommand, RotateCmd, RotateSubcommand, VibrateCmd, VibrateSubcommand,
};
pub use device::{Device, DeviceAdded, DeviceList, DeviceMessages, FeatureCount, NoAttributes};
pub use handshake::RequestServerInfo;
pub use values::{Duration, NonEmpty};

// Unchanged since v0 (docs/VERSIONS.md 3, 6 and 7.6).
pub use crate::v0::{
    DeviceRemoved, Error, FleshlightLaunchFW12Cmd, KiirooCmd, Log, LogLevel, LovenseCmd, Ok, Ping,
    RequestDeviceList, RequestLog, ScanningFinished, ServerInfo, SingleMotorVibrateCmd,
    StartScanning, StopAllDevices, StopDeviceCmd, StopScanning, Test, UnitInterval, UpTo,
    VorzeA10CycloneCmd,
};

use crate::message_set::message_set;

/// The `MessageVersion` of this spec version.
pub const MESSAGE_VERSION: u32 = 1;

message_set! {
    /// A message a v1 client sends to a server.
    pub enum ClientMessage receiver "server", min_id 1, other ServerMessage {
        /// Handshake request with `MessageVersion`.
        RequestServerInfo,
        /// Keep-alive for the ping watchdog.
        Ping,
        /// Start looking for devices.
        StartScanning,
        /// Stop looking for devices.
        StopScanning,
        /// Ask for the list of connected devices.
        RequestDeviceList,
        /// Stop one device.
        StopDeviceCmd,
        /// Stop every device.
        StopAllDevices,
        /// Vibrate every vibrator at one speed (deprecated, still part of v1).
        SingleMotorVibrateCmd,
        /// Set vibrator speeds.
        VibrateCmd,
        /// Set rotator speeds and directions.
        RotateCmd,
        /// Move linear actuators.
        LinearCmd,
        /// Refused (ERROR_MSG).
        FleshlightLaunchFW12Cmd,
        /// Refused (ERROR_MSG).
        VorzeA10CycloneCmd,
        /// Refused (ERROR_MSG).
        KiirooCmd,
        /// Refused (ERROR_MSG).
        LovenseCmd,
        /// Refused (ERROR_MSG).
        Test,
        /// Refused (ERROR_MSG).
        RequestLog,
    }
}

message_set! {
    /// A message a v1 server sends to a client.
    pub enum ServerMessage receiver "client", min_id 0, other ClientMessage {
        /// Handshake reply, shape A.
        ServerInfo,
        /// Success reply.
        Ok,
        /// Failure reply, or an error event with Id 0.
        Error,
        /// Event: a scan ended by itself.
        ScanningFinished,
        /// Reply to `RequestDeviceList`.
        DeviceList,
        /// Event: a device connected.
        DeviceAdded,
        /// Event: a device went away.
        DeviceRemoved,
        /// A log line; never sent by us.
        Log,
        /// Echo; never sent by us.
        Test,
    }
}
