//! Protocol Spec v4 (major 4, minor 0): every message with its exact JSON shape.
//!
//! Messages from clients are parsed strictly (unknown fields are refused, PROTOCOL.md 2.2).
//! Messages from servers are read tolerantly (unknown fields are ignored), so that a client built
//! on these types keeps working against a server that adds fields.

mod device;
mod handshake;
mod input;
mod output;
mod stop;
mod values;

use serde::Serialize;

pub use device::{
    Device, DeviceList, Feature, FeatureInput, FeatureOutput, InputProperties,
    PositionWithDurationRange, RequestDeviceList, ScanningFinished, StartScanning, StopScanning,
    ValueRange,
};
pub use handshake::{Disconnect, Error, Ok, Ping, RequestServerInfo, ServerInfo};
pub use input::{InputCmd, InputCommandType, InputReading, InputType, Reading, ReadingValue};
pub use output::{Level, OutputCmd, OutputCommand, OutputType, PositionWithDuration};
pub use stop::StopCmd;
pub use values::{OutputValue, Range};

use crate::frame::MessageSet;

/// The major version these types implement.
pub const PROTOCOL_VERSION_MAJOR: u32 = 4;
/// The minor version these types implement.
pub const PROTOCOL_VERSION_MINOR: u32 = 0;

macro_rules! message_set {
    (
        $(#[$meta:meta])*
        pub enum $set:ident receiver $receiver:literal, min_id $min_id:literal, other $other:ident {
            $($(#[$vmeta:meta])* $name:ident),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub enum $set {
            $($(#[$vmeta])* $name($name)),*
        }

        impl MessageSet for $set {
            const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];
            const OTHER_DIRECTION: &'static [&'static str] = $other::NAMES;
            const RECEIVER: &'static str = $receiver;
            const MIN_ID: u32 = $min_id;

            fn parse_body(name: &str, body: &str) -> Option<Result<Self, serde_json::Error>> {
                match name {
                    $(stringify!($name) => Some(serde_json::from_str::<$name>(body).map(Self::$name)),)*
                    _ => None,
                }
            }

            fn id(&self) -> u32 {
                match self {
                    $(Self::$name(message) => message.id.into(),)*
                }
            }

            fn name(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }
        }

        $(
            impl From<$name> for $set {
                fn from(message: $name) -> Self {
                    Self::$name(message)
                }
            }
        )*
    };
}

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
