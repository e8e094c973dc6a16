//! The error of the server crate.

use bpio_device_protocols::ProtocolError;
use bpio_hardware::{Endpoint, HwError};

use crate::index::DeviceIndex;

/// Why a device could not be connected or could not do what a session asked.
///
/// The session maps it to the wire's `Error` message (code `ERROR_DEVICE`), with this text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No device has this index now.
    #[error("device {0} is not connected")]
    NotConnected(DeviceIndex),
    /// A read waited for its notification past the protocol's timeout.
    #[error("the device did not answer the read in time")]
    ReadTimedOut,
    /// The device went away while a read waited.
    #[error("the device disconnected")]
    Disconnected,
    /// The device went away during its identification or init steps.
    #[error("the device disconnected during its handshake")]
    DisconnectedInHandshake,
    /// A hardware operation did not complete in time; the device is dropped.
    #[error("the device stopped answering")]
    Unresponsive,
    /// A handshake step got no answer from this endpoint in time.
    #[error("{0} did not answer")]
    NoAnswer(Endpoint),
    /// The device answered a read without a reading the protocol understands.
    #[error("the device sent no reading")]
    NoReading,
    /// The protocol offers no way to read this input.
    #[error("the protocol has no way to read this")]
    NotReadable,
    /// The device's protocol refused the request.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The hardware failed.
    #[error(transparent)]
    Hardware(#[from] HwError),
}
