//! Protocol Spec v3: every message with its exact JSON shape (docs/VERSIONS.md 2 and 9).
//!
//! v3 replaces feature counts with per-feature attribute arrays, adds `ScalarCmd` and generic
//! sensors, and adds display names and timing gaps to device descriptions. Messages whose shape
//! did not change are re-exported from older version modules.

mod commands;
mod device;

pub use commands::{
    ActuatorType, ScalarCmd, ScalarSubcommand, SensorReadCmd, SensorReading, SensorSubscribeCmd,
    SensorType, SensorUnsubscribeCmd,
};
pub use device::{
    ActuatorAttributes, Device, DeviceAdded, DeviceList, DeviceMessages, SensorAttributes,
};

// Unchanged since v0, v1 or v2 (docs/VERSIONS.md 3 and 9).
pub use crate::v0::{
    DeviceRemoved, Error, Ok, Ping, RequestDeviceList, ScanningFinished, StartScanning,
    StopAllDevices, StopDeviceCmd, StopScanning, UnitInterval,
};
pub use crate::v1::{
    Duration, LinearCmd, LinearSubcommand, NoAttributes, NonEmpty, RequestServerInfo, RotateCmd,
    RotateSubcommand, VibrateCmd, VibrateSubcommand,
};
pub use crate::v2::{
    RawAttributes, RawReadCmd, RawReading, RawSubscribeCmd, RawUnsubscribeCmd, RawWriteCmd,
    ServerInfo,
};

use crate::message_set::message_set;

/// The `MessageVersion` of this spec version.
pub const MESSAGE_VERSION: u32 = 3;

message_set! {
    /// A message a v3 client sends to a server.
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
        /// Set vibrator speeds (deprecated in v3, still accepted).
        VibrateCmd,
        /// Set rotator speeds and directions.
        RotateCmd,
        /// Move linear actuators.
        LinearCmd,
        /// Drive actuators by type.
        ScalarCmd,
        /// Read a sensor.
        SensorReadCmd,
        /// Refused (ERROR_DEVICE).
        SensorSubscribeCmd,
        /// Refused (ERROR_DEVICE).
        SensorUnsubscribeCmd,
        /// Refused (ERROR_DEVICE).
        RawWriteCmd,
        /// Refused (ERROR_DEVICE).
        RawReadCmd,
        /// Refused (ERROR_DEVICE).
        RawSubscribeCmd,
        /// Refused (ERROR_DEVICE).
        RawUnsubscribeCmd,
    }
}

message_set! {
    /// A message a v3 server sends to a client.
    // `DeviceAdded` carries a whole device description; boxing it would only complicate the
    // wire type for a message sent once per device connection.
    #[allow(clippy::large_enum_variant)]
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
        /// Reply to `SensorReadCmd`.
        SensorReading,
        /// Never sent by us.
        RawReading,
    }
}
