//! The device websocket server: a hardware backend for devices that connect to the server
//! themselves (DIY builds, firmware simulators), wire compatible with the reference's.
//!
//! A device opens a websocket (default port [`DEFAULT_PORT`]) and sends one text frame naming
//! itself, `{"identifier": "...", "address": "...", "version": 1}`; from then on binary frames
//! carry the device's bytes both ways. Frames name no endpoint, so the socket serves every
//! endpoint, as the reference's does ([`EndpointScope::Every`](bpio_hardware::EndpointScope::Every)):
//! a write to any endpoint goes out as a binary frame, and every frame the device sends arrives
//! as a notification on each endpoint the protocol has subscribed to (on `rx` while it has
//! subscribed to none). A read fails at once: there is nothing to read on demand. The identifier
//! is what `websocket` specifiers of the device database match.
//!
//! The key design decision: **each socket has one task that owns it from the first byte to the
//! end, and every way the connection can end is a disconnect.** A close frame, a read error, end
//! of stream, or a keep-alive ping left unanswered until the next one is due all end the task,
//! which reports [`HardwareEvent::Disconnected`](bpio_hardware::HardwareEvent) once, so a device
//! whose TCP connection silently died leaves the device list instead of staying there (the
//! reference keeps such a device listed). A device that never sends its first frame is dropped
//! after [`Config::hello_timeout`].
//!
//! Devices are reported to the server as soon as they identify themselves, scanning or not; a
//! scan has nothing to look for and finishes at once.
#![warn(missing_docs)]

mod device;
mod server;

use std::net::SocketAddr;
use std::time::Duration;

pub use device::Hello;
pub use server::{DeviceServer, WebsocketManager};

/// The port devices connect to unless told otherwise (the reference's).
pub const DEFAULT_PORT: u16 = 54817;

/// Settings of the device websocket server.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long a device may take from opening the TCP connection to sending its identifying
    /// first frame (the websocket handshake included).
    pub hello_timeout: Duration,
    /// Interval of websocket pings; a device that has not answered the previous ping when the
    /// next is due counts as disconnected.
    pub keepalive: Duration,
    /// Largest frame a device may send; a larger one ends the connection.
    pub max_message_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        // Device traffic is a few bytes per command; 64 KiB leaves room for any sensor burst.
        Self {
            hello_timeout: Duration::from_secs(10),
            keepalive: Duration::from_secs(10),
            max_message_bytes: 64 << 10,
        }
    }
}

/// Why the device websocket server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listen address is taken by another program.
    #[error("address {addr} is already in use")]
    AddrInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The listen address could not be bound for another reason.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
