//! Protocol Spec v0: every message with its exact JSON shape (docs/VERSIONS.md 2 and 6).
//!
//! The messages that keep their shape in every later version (`Ok`, `Error`, `Ping`, the scanning
//! messages, `RequestDeviceList`, `ScanningFinished`, `DeviceRemoved`, `StopDeviceCmd`,
//! `StopAllDevices`) are defined here and re-exported by name from the later version modules.
//! As in v4, client messages are parsed strictly and server messages tolerantly.

mod commands;
mod common;
mod device;
mod handshake;
mod values;

pub use commands::{
    FleshlightLaunchFW12Cmd, KiirooCmd, Log, LogLevel, LovenseCmd, RequestLog,
    SingleMotorVibrateCmd, Test, VorzeA10CycloneCmd,
};
pub use common::{
    DeviceRemoved, Error, Ok, Ping, RequestDeviceList, ScanningFinished, StartScanning,
    StopAllDevices, StopDeviceCmd, StopScanning,
};
pub use device::{Device, DeviceAdded, DeviceList};
pub use handshake::{RequestServerInfo, ServerInfo};
pub use values::{UnitInterval, UpTo};

use crate::message_set::message_set;

/// The `MessageVersion` of this spec version.
pub const MESSAGE_VERSION: u32 = 0;

message_set! {
    /// A message a v0 client sends to a server.
    pub enum ClientMessage receiver "server", min_id 1, other ServerMessage {
        /// Handshake request, without a version field.
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
        /// Vibrate every vibrator at one speed.
        SingleMotorVibrateCmd,
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
    /// A message a v0 server sends to a client.
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
