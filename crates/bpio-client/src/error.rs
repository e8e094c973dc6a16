//! The one error type of the client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bpio_protocol::v4::{self, InputCommandType, InputType, OutputType, Range};
use bpio_protocol::{ErrorCode, ParseError};

use crate::level::Level;

/// Why a client operation failed.
///
/// The first five variants are errors the server reported, one per error class of the spec
/// (docs/PROTOCOL.md 5.1), carrying the server's text. The connection's own failures are
/// [`Error::Connector`]; the rest are found by the client itself, before or instead of a reply.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// ERROR_INIT: the server refused the handshake, or the session has ended.
    #[error("handshake error from the server: {0}")]
    Handshake(String),
    /// ERROR_MSG: the server could not accept the message.
    #[error("message error from the server: {0}")]
    Message(String),
    /// ERROR_DEVICE: the device refused the command or failed.
    #[error("device error from the server: {0}")]
    Device(String),
    /// ERROR_PING: the server's ping watchdog ran out; the session is over.
    #[error("ping timeout reported by the server: {0}")]
    Ping(String),
    /// ERROR_UNKNOWN: the server failed in some other way.
    #[error("unknown error from the server: {0}")]
    Unknown(String),
    /// The connection could not be opened, or it is closed.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// No reply arrived within the request timeout.
    #[error("no reply from the server within {0:?}")]
    Timeout(Duration),
    /// The server speaks a spec version this client does not.
    #[error("the server speaks spec version {major}.{minor}; this client speaks 4")]
    ServerVersion {
        /// Major version the server announced.
        major: u32,
        /// Minor version the server announced.
        minor: u32,
    },
    /// The server sent something that is not a valid message.
    #[error("unreadable message from the server")]
    Unreadable(#[from] ParseError),
    /// The server answered with a message of the wrong kind.
    #[error("expected {expected} in reply, got {got}")]
    UnexpectedReply {
        /// What the request expects.
        expected: &'static str,
        /// What arrived.
        got: &'static str,
    },
    /// The device or feature does not offer what was asked; nothing was sent.
    #[error("{}", unsupported(*device, *feature, capability))]
    Unsupported {
        /// Device index.
        device: u32,
        /// Feature index, when one feature was addressed.
        feature: Option<u32>,
        /// What is missing.
        capability: Capability,
    },
    /// A level outside what the output accepts; nothing was sent.
    #[error("{level} is outside the range {range} of this output")]
    OutOfRange {
        /// The level asked for.
        level: Level,
        /// The accepted steps.
        range: Range,
    },
    /// A duration outside what the output accepts; nothing was sent.
    #[error("{duration:?} is outside the duration range {range} ms of this output")]
    DurationOutOfRange {
        /// The duration asked for.
        duration: Duration,
        /// The accepted milliseconds.
        range: Range,
    },
    /// The device has left the server (or a different device now has its index); nothing was
    /// sent.
    #[error("device {0} is no longer connected")]
    DeviceGone(u32),
    /// A timed position was asked for without its duration; nothing was sent.
    #[error("HwPositionWithDuration needs a duration: use position_with_duration")]
    NeedsDuration,
}

impl Error {
    /// The spec's error class of an error the server reported; `None` for the others.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Handshake(_) => Some(ErrorCode::Init),
            Self::Message(_) => Some(ErrorCode::Msg),
            Self::Device(_) => Some(ErrorCode::Device),
            Self::Ping(_) => Some(ErrorCode::Ping),
            Self::Unknown(_) => Some(ErrorCode::Unknown),
            _ => None,
        }
    }

    /// The error an `Error` message from the server stands for.
    pub(crate) fn from_server(error: v4::Error) -> Self {
        let text = error.error_message;
        match error.error_code {
            ErrorCode::Init => Self::Handshake(text),
            ErrorCode::Msg => Self::Message(text),
            ErrorCode::Device => Self::Device(text),
            ErrorCode::Ping => Self::Ping(text),
            ErrorCode::Unknown => Self::Unknown(text),
        }
    }
}

/// What a device or feature was asked for but does not offer.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// An output type.
    Output(OutputType),
    /// An input type with a command (`Read`, `Subscribe`).
    Input(InputType, InputCommandType),
    /// Rotation in both directions (the feature rotates one way only, range `[0, N]`).
    RotationDirection,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Output(output) => write!(f, "the {output} output"),
            Self::Input(input, command) => write!(f, "{command} on the {input} input"),
            Self::RotationDirection => f.write_str("rotation in both directions"),
        }
    }
}

fn unsupported(device: u32, feature: Option<u32>, capability: &Capability) -> String {
    match feature {
        Some(feature) => {
            format!("feature {feature} of device {device} does not support {capability}")
        }
        None => format!("device {device} does not support {capability}"),
    }
}

/// Why a connection could not be opened or was lost. Connectors report their failures with it.
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectorError {
    /// The connection could not be opened.
    #[error("cannot connect to the server")]
    Connect(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// The connection is closed (by either side, or lost).
    #[error("the connection to the server is closed")]
    Closed,
}

impl ConnectorError {
    /// A connect failure caused by `source`.
    pub fn connect(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Connect(Arc::new(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_keep_their_class_and_the_others_have_none() {
        for code in [
            ErrorCode::Init,
            ErrorCode::Msg,
            ErrorCode::Device,
            ErrorCode::Ping,
            ErrorCode::Unknown,
        ] {
            let error = Error::from_server(v4::Error {
                id: 3,
                error_code: code,
                error_message: "x".into(),
            });
            assert_eq!(error.code(), Some(code), "{error}");
        }
        assert_eq!(Error::Timeout(Duration::from_secs(1)).code(), None);
        assert_eq!(Error::from(ConnectorError::Closed).code(), None);
    }

    #[test]
    fn unsupported_says_what_is_missing_and_where() {
        let unsupported =
            |feature, capability| Error::Unsupported { device: 2, feature, capability }.to_string();
        assert_eq!(
            unsupported(Some(1), Capability::Output(OutputType::Rotate)),
            "feature 1 of device 2 does not support the Rotate output"
        );
        assert_eq!(
            unsupported(None, Capability::Input(InputType::Rssi, InputCommandType::Read)),
            "device 2 does not support Read on the Rssi input"
        );
        assert_eq!(
            unsupported(Some(0), Capability::RotationDirection),
            "feature 0 of device 2 does not support rotation in both directions"
        );
    }
}
