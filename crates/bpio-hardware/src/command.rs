//! Hardware commands and events as data.

use std::time::Duration;

use crate::endpoint::Endpoint;

/// One operation on a connected device, as data: what protocols produce and backends perform.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HardwareCommand {
    /// Write `data` to `endpoint`; BLE: with or without a link-level response.
    Write {
        /// Where to write.
        endpoint: Endpoint,
        /// The bytes.
        data: Vec<u8>,
        /// BLE write-with-response; other transports ignore it.
        with_response: bool,
    },
    /// Read up to `length` bytes from `endpoint`, giving up after `timeout`.
    Read {
        /// Where to read.
        endpoint: Endpoint,
        /// Expected length (0: whatever the device gives).
        length: u32,
        /// How long the read may take.
        timeout: Duration,
    },
    /// Start receiving notifications from `endpoint`.
    Subscribe {
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// Stop receiving notifications from `endpoint`.
    Unsubscribe {
        /// The endpoint.
        endpoint: Endpoint,
    },
}

impl HardwareCommand {
    /// A write without response.
    pub fn write(endpoint: Endpoint, data: impl Into<Vec<u8>>) -> Self {
        Self::Write { endpoint, data: data.into(), with_response: false }
    }

    /// A write with response.
    pub fn write_with_response(endpoint: Endpoint, data: impl Into<Vec<u8>>) -> Self {
        Self::Write { endpoint, data: data.into(), with_response: true }
    }

    /// A read.
    pub const fn read(endpoint: Endpoint, length: u32, timeout: Duration) -> Self {
        Self::Read { endpoint, length, timeout }
    }

    /// A subscription.
    pub const fn subscribe(endpoint: Endpoint) -> Self {
        Self::Subscribe { endpoint }
    }

    /// The end of a subscription.
    pub const fn unsubscribe(endpoint: Endpoint) -> Self {
        Self::Unsubscribe { endpoint }
    }

    /// The endpoint the command addresses.
    pub const fn endpoint(&self) -> Endpoint {
        match self {
            Self::Write { endpoint, .. }
            | Self::Read { endpoint, .. }
            | Self::Subscribe { endpoint }
            | Self::Unsubscribe { endpoint } => *endpoint,
        }
    }
}

/// Something a connected device did on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HardwareEvent {
    /// Data arrived on a subscribed endpoint (or, for byte streams, on `rx`).
    Notification {
        /// Where it arrived.
        endpoint: Endpoint,
        /// The bytes.
        data: Vec<u8>,
    },
    /// The device is gone; no further events follow.
    Disconnected,
}
