//! Why a legacy client message can not be translated.

use crate::error::ErrorCode;

/// A legacy client message that is answered with `Error` instead of being executed.
///
/// The whole message fails: nothing of it is dispatched (docs/VERSIONS.md 12).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ConvertError {
    /// The message's Id, for the reply.
    pub id: u32,
    /// What was wrong.
    pub kind: ConvertErrorKind,
}

impl ConvertError {
    pub(crate) fn new(id: impl Into<u32>, kind: ConvertErrorKind) -> Self {
        Self { id: id.into(), kind }
    }

    /// The wire error code for this error.
    pub const fn code(&self) -> ErrorCode {
        match self.kind {
            ConvertErrorKind::NotImplemented { code, .. } => code,
            ConvertErrorKind::UnknownDevice { .. }
            | ConvertErrorKind::NoSuchEntry { .. }
            | ConvertErrorKind::NoFeatures { .. }
            | ConvertErrorKind::ActuatorMismatch { .. }
            | ConvertErrorKind::SensorNotReadable { .. } => ErrorCode::Device,
        }
    }
}

/// What was wrong with a legacy client message.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertErrorKind {
    /// A message of the session's version that our server does not implement (docs/VERSIONS.md 2.1,
    /// "refused"): ERROR_MSG or ERROR_DEVICE as the table says.
    #[error("`{message}` is not supported by this server")]
    NotImplemented {
        /// The message name.
        message: &'static str,
        /// The code the table gives.
        code: ErrorCode,
    },
    /// No device with that index is connected.
    #[error("no device with index {device_index}")]
    UnknownDevice {
        /// The device index sent.
        device_index: u32,
    },
    /// A legacy index past the end of the device's list for that message (docs/VERSIONS.md 4.1).
    #[error(
        "device {device_index} has {len} `{message}` feature(s); index {index} is out of range"
    )]
    NoSuchEntry {
        /// The message name.
        message: &'static str,
        /// The device.
        device_index: u32,
        /// The index sent.
        index: u32,
        /// The length of the list.
        len: usize,
    },
    /// A command for a device that has no feature it could drive (`SingleMotorVibrateCmd` on a
    /// device without vibrators).
    #[error("device {device_index} has no features for `{message}`")]
    NoFeatures {
        /// The message name.
        message: &'static str,
        /// The device.
        device_index: u32,
    },
    /// A `ScalarCmd` element whose `ActuatorType` is not the type of the indexed entry.
    #[error("scalar {index} of device {device_index} is a {expected} actuator, not {requested}")]
    ActuatorMismatch {
        /// The device.
        device_index: u32,
        /// The index sent.
        index: u32,
        /// The entry's type.
        expected: &'static str,
        /// The type sent.
        requested: &'static str,
    },
    /// A sensor read of a type that is never advertised to legacy clients (only `Battery` is).
    #[error("sensors of type {sensor_type} can not be read by legacy clients")]
    SensorNotReadable {
        /// The type sent.
        sensor_type: &'static str,
    },
}
