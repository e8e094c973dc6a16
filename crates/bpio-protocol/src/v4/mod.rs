//! Protocol Spec v4 (major 4, minor 0): every message with its exact JSON shape.
//!
//! Messages from clients are parsed strictly (unknown fields are refused, docs/PROTOCOL.md 2.2).
//! Messages from servers are read tolerantly (unknown fields are ignored), so that a client built
//! on these types keeps working against a server that adds fields.

mod device;
mod handshake;
mod input;
mod output;
mod stop;
mod values;

pub use device::{
    Device, DeviceList, Devices, Feature, FeatureInput, FeatureOutput, InputProperties,
    OutputRanges, OutputRefusal, PositionWithDurationRange, ValueRange,
};
pub use handshake::{Disconnect, RequestServerInfo, ServerInfo};
pub use input::{InputCmd, InputCommandType, InputReading, InputType, Reading, ReadingValue};
pub use output::{Level, OutputCmd, OutputCommand, OutputType, PositionWithDuration};
pub use stop::StopCmd;
pub use values::{OutputValue, Range};

// Same shape in every version (docs/VERSIONS.md 3): defined once, in the oldest version.
pub use crate::v0::{
    Error, Ok, Ping, RequestDeviceList, ScanningFinished, StartScanning, StopScanning,
};

use crate::message_set::message_set;

/// The major version these types implement.
pub const PROTOCOL_VERSION_MAJOR: u32 = 4;
/// The minor version these types implement.
pub const PROTOCOL_VERSION_MINOR: u32 = 0;

message_set! {
    /// A message a v4 client sends to a server.
    pub enum ClientMessage receiver "server", min_id 1, other ServerMessage {
        /// Handshake request; must be the first message of a session.
        RequestServerInfo,
        /// Keep-alive for the ping watchdog.
        Ping,
        /// Graceful end of the session.
        Disconnect,
        /// Start looking for devices.
        StartScanning,
        /// Stop looking for devices.
        StopScanning,
        /// Ask for the list of connected devices.
        RequestDeviceList,
        /// Drive one output of one feature.
        OutputCmd,
        /// Read, subscribe to or unsubscribe from one input of one feature.
        InputCmd,
        /// Stop outputs and/or input subscriptions.
        StopCmd,
    }
}

message_set! {
    /// A message a v4 server sends to a client.
    pub enum ServerMessage receiver "client", min_id 0, other ClientMessage {
        /// Handshake reply.
        ServerInfo,
        /// Success reply.
        Ok,
        /// Failure reply, or an error event with Id 0.
        Error,
        /// Event: a scan ended by itself.
        ScanningFinished,
        /// The connected devices: a reply, or an event with Id 0 on every change.
        DeviceList,
        /// A sensor reading: a reply to a read, or an event with Id 0 for a subscription.
        InputReading,
    }
}
