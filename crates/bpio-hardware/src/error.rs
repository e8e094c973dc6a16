//! The error of the hardware layer.

use crate::endpoint::Endpoint;

/// Why a hardware operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HwError {
    /// The device is no longer connected.
    #[error("the device is disconnected")]
    Disconnected,
    /// The device has no such endpoint (after specialisation).
    #[error("the device has no `{0}` endpoint")]
    NoEndpoint(Endpoint),
    /// Connecting resolved no endpoint at all.
    #[error("no endpoint of the configuration was found on the device")]
    NoEndpoints,
    /// The operation did not finish in time.
    #[error("the operation timed out")]
    Timeout,
    /// The backend cannot do this (e.g. subscribing on a transport without notifications).
    #[error("operation not supported by this backend: {0}")]
    Unsupported(&'static str),
    /// The specialisation does not fit this backend (e.g. BLE services for a serial port).
    #[error("the connection settings do not fit this backend")]
    WrongSpecialization,
    /// The platform layer failed.
    #[error("backend error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}
