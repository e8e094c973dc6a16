//! Protocol Spec v2: every message with its exact JSON shape (docs/VERSIONS.md 2 and 8).
//!
//! v2 adds step counts, battery and RSSI queries and raw endpoint access; it drops the
//! device-specific commands, `SingleMotorVibrateCmd`, `Test` and `Log`, and shrinks `ServerInfo`
//! to shape B. Messages whose shape did not change are re-exported from older version modules.

mod commands;
mod device;
mod handshake;

pub use commands::{
    BatteryLevelCmd, BatteryLevelReading, RSSILevelCmd, RSSILevelReading, RawReadCmd, RawReading,
    RawSubscribeCmd, RawUnsubscribeCmd, RawWriteCmd,
};
pub use device::{Device, DeviceAdded, DeviceList, DeviceMessages, RawAttributes, StepAttributes};
pub use handshake::ServerInfo;

// Unchanged since v0 or v1 (docs/VERSIONS.md 3 and 8.3).
pub use crate::v0::{
    DeviceRemoved, Error, LogLevel, Ok, Ping, RequestDeviceList, RequestLog, ScanningFinished,
    StartScanning, StopAllDevices, StopDeviceCmd, StopScanning, UnitInterval,
};
pub use crate::v1::{
    Duration, LinearCmd, LinearSubcommand, NoAttributes, NonEmpty, RequestServerInfo, RotateCmd,
    RotateSubcommand, VibrateCmd, VibrateSubcommand,
};

use crate::message_set::message_set;

/// The `MessageVersion` of this spec version.
pub const MESSAGE_VERSION: u32 = 2;

message_set! {
    /// A message a v2 client sends to a server.
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
        /// Set vibrator speeds.
        VibrateCmd,
        /// Set rotator speeds and directions.
        RotateCmd,
        /// Move linear actuators.
        LinearCmd,
        /// Read the battery level.
        BatteryLevelCmd,
        /// Refused (ERROR_DEVICE).
        RSSILevelCmd,
        /// Refused (ERROR_DEVICE).
        RawWriteCmd,
        /// Refused (ERROR_DEVICE).
        RawReadCmd,
        /// Refused (ERROR_DEVICE).
        RawSubscribeCmd,
        /// Refused (ERROR_DEVICE).
        RawUnsubscribeCmd,
        /// Refused (ERROR_MSG); listed for v2 by the schema although the changelog removed it.
        RequestLog,
    }
}

message_set! {
    /// A message a v2 server sends to a client.
    pub enum ServerMessage receiver "client", min_id 0, other ClientMessage {
        /// Handshake reply, shape B.
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
        /// Reply to `BatteryLevelCmd`.
        BatteryLevelReading,
        /// Never sent by us.
        RSSILevelReading,
        /// Never sent by us.
        RawReading,
    }
}
