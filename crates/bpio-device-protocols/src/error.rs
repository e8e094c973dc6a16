//! The error of the protocol layer.

use bpio_protocol::v4::{InputCommandType, InputType, OutputType};

/// Why a protocol refused a command or a handshake failed.
///
/// Every refusal of a command happens before any hardware command is produced: a batch is
/// either encoded as a whole or not at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// No implementation has this name.
    #[error("no protocol implementation named `{0}`")]
    UnknownProtocol(String),
    /// The device has no feature with this index.
    #[error("feature {0} does not exist")]
    UnknownFeature(u32),
    /// The feature has no (enabled) output of this type.
    #[error("feature {feature} has no {output} output")]
    UnsupportedOutput {
        /// Feature index.
        feature: u32,
        /// The output type asked for.
        output: OutputType,
    },
    /// The value is outside the output's range.
    #[error("value {value} is out of range for {output} on feature {feature}")]
    ValueOutOfRange {
        /// Feature index.
        feature: u32,
        /// The output type.
        output: OutputType,
        /// The refused value.
        value: i64,
    },
    /// `HwPositionWithDuration` without a duration, or the duration is out of range.
    #[error("duration {duration:?} is not valid on feature {feature}")]
    BadDuration {
        /// Feature index.
        feature: u32,
        /// The refused duration.
        duration: Option<i64>,
    },
    /// The feature has no input of this type.
    #[error("feature {feature} has no {input} input")]
    UnsupportedInput {
        /// Feature index.
        feature: u32,
        /// The input type asked for.
        input: InputType,
    },
    /// The input does not offer this command.
    #[error("{input} input of feature {feature} does not support {command}")]
    UnsupportedInputCommand {
        /// Feature index.
        feature: u32,
        /// The input type.
        input: InputType,
        /// The command asked for.
        command: InputCommandType,
    },
    /// A method was called in the wrong phase (e.g. a command before `configure`).
    #[error("protocol used out of order: {0}")]
    OutOfOrder(&'static str),
    /// The device answered something the protocol cannot use.
    #[error("{protocol}: bad reply from the device: {reason}")]
    BadReply {
        /// Protocol name.
        protocol: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// The device did not answer in time.
    #[error("{protocol}: the device did not answer in time")]
    Timeout {
        /// Protocol name.
        protocol: &'static str,
    },
}
