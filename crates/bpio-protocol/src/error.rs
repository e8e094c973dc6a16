//! Protocol error codes and parse errors.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The `ErrorCode` of an `Error` message (docs/PROTOCOL.md 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum ErrorCode {
    /// ERROR_UNKNOWN: an internal failure that fits no other class.
    Unknown = 0,
    /// ERROR_INIT: handshake problems.
    Init = 1,
    /// ERROR_PING: the ping watchdog ran out.
    Ping = 2,
    /// ERROR_MSG: the message could not be parsed or is not acceptable at protocol level.
    Msg = 3,
    /// ERROR_DEVICE: the device layer refused or failed.
    Device = 4,
}

impl ErrorCode {
    /// The name the spec gives the code.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unknown => "ERROR_UNKNOWN",
            Self::Init => "ERROR_INIT",
            Self::Ping => "ERROR_PING",
            Self::Msg => "ERROR_MSG",
            Self::Device => "ERROR_DEVICE",
        }
    }
}

impl TryFrom<u8> for ErrorCode {
    type Error = String;

    fn try_from(code: u8) -> Result<Self, Self::Error> {
        Ok(match code {
            0 => Self::Unknown,
            1 => Self::Init,
            2 => Self::Ping,
            3 => Self::Msg,
            4 => Self::Device,
            other => return Err(format!("unknown ErrorCode {other}")),
        })
    }
}

impl From<ErrorCode> for u8 {
    fn from(code: ErrorCode) -> Self {
        code as Self
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", *self as u8, self.name())
    }
}

/// Why a transmission, or one message in it, could not be parsed.
///
/// Every parse error is answered with [`ErrorCode::Msg`]; `id` is the Id the reply carries: the
/// message's own Id when it could be read and is valid, otherwise 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// The Id to reply with: the message's Id, or 0 when none could be attributed.
    pub id: u32,
    /// What was wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    /// The wire error code for this error.
    pub const fn code(&self) -> ErrorCode {
        ErrorCode::Msg
    }

    pub(crate) const fn unattributed(kind: ParseErrorKind) -> Self {
        Self { id: 0, kind }
    }
}

/// What was wrong with a transmission or a message.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// The bytes are not UTF-8; everything before `valid_up_to` was handled.
    #[error("transmission is not valid UTF-8 (invalid byte at offset {valid_up_to})")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        valid_up_to: usize,
    },
    /// The transmission holds no JSON value at all.
    #[error("transmission is empty")]
    Empty,
    /// The text stops being valid JSON; the rest of the transmission was discarded.
    #[error("invalid JSON at line {line}, column {column}: {reason}")]
    Syntax {
        /// 1-based line of the bad spot.
        line: usize,
        /// 1-based column of the bad spot.
        column: usize,
        /// What the JSON reader expected.
        reason: String,
    },
    /// A top-level JSON value that is not an array.
    #[error("a transmission must be a JSON array of messages")]
    NotAnArray,
    /// A top-level array with no element.
    #[error("a message array must not be empty")]
    EmptyArray,
    /// An array element that is not an object with exactly one key.
    #[error("each array element must be an object with exactly one key, the message name")]
    NotAMessageObject,
    /// The message name is not a message of this spec version in this direction.
    #[error("unknown message `{name}`")]
    UnknownMessage {
        /// The name as sent.
        name: String,
    },
    /// The message exists, but is sent the other way (a client sent `Ok`, say).
    #[error("`{name}` is not a message a {receiver} accepts")]
    WrongDirection {
        /// The name as sent.
        name: String,
        /// "server" or "client": who received it.
        receiver: &'static str,
    },
    /// The message's `Id` is missing, not an integer, 0 from a client, or out of range.
    #[error("`{message}`: {problem}")]
    InvalidId {
        /// The message name.
        message: String,
        /// What is wrong with the Id.
        problem: IdProblem,
    },
    /// Missing, extra, mistyped or out-of-range fields.
    #[error("invalid `{message}`: {reason}")]
    InvalidFields {
        /// The message name.
        message: String,
        /// What the field check said.
        reason: String,
    },
}

/// What is wrong with a message's `Id`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdProblem {
    /// No `Id` field.
    #[error("missing field `Id`")]
    Missing,
    /// More than one `Id` field.
    #[error("duplicate field `Id`")]
    Duplicate,
    /// `Id` is not a JSON integer.
    #[error("`Id` must be an integer")]
    NotAnInteger,
    /// `Id` is 0 in a client message.
    #[error("`Id` 0 is reserved for server events")]
    Zero,
    /// `Id` is negative or above 4294967295.
    #[error("`Id` is outside 1..=4294967295")]
    OutOfRange,
}
