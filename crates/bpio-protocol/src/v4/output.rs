//! OutputCmd and output types.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::values::OutputValue;
use crate::ids::ClientId;
use crate::object::json_object;

/// What an output does (docs/PROTOCOL.md 6.12), in the order stop commands prefer them (section 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OutputType {
    /// Vibration speed.
    Vibrate,
    /// Rotation speed; signed on bidirectional features.
    Rotate,
    /// Back-and-forth speed.
    Oscillate,
    /// Squeeze or pump level.
    Constrict,
    /// Heating (positive) or cooling (negative) level.
    Temperature,
    /// Brightness.
    Led,
    /// Spray intensity.
    Spray,
    /// Move to a position as fast as possible.
    Position,
    /// Move to a position over a duration, timed by the device.
    HwPositionWithDuration,
}

impl OutputType {
    /// Every output type.
    pub const ALL: [Self; 9] = [
        Self::Vibrate,
        Self::Rotate,
        Self::Oscillate,
        Self::Constrict,
        Self::Temperature,
        Self::Led,
        Self::Spray,
        Self::Position,
        Self::HwPositionWithDuration,
    ];

    /// The name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Vibrate => "Vibrate",
            Self::Rotate => "Rotate",
            Self::Oscillate => "Oscillate",
            Self::Constrict => "Constrict",
            Self::Temperature => "Temperature",
            Self::Led => "Led",
            Self::Spray => "Spray",
            Self::Position => "Position",
            Self::HwPositionWithDuration => "HwPositionWithDuration",
        }
    }

    /// Whether a stop command drives this type to 0 (section 9); positions are never stopped.
    pub const fn is_stoppable(self) -> bool {
        !matches!(self, Self::Position | Self::HwPositionWithDuration)
    }
}

impl fmt::Display for OutputType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sets one output of one feature (docs/PROTOCOL.md 6.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OutputCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// The feature of the device.
    pub feature_index: u32,
    /// The output type and its parameters.
    pub command: OutputCommand,
}

/// The `Command` object of an [`OutputCmd`]: exactly one key, the output type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputCommand {
    /// See [`OutputType::Vibrate`].
    Vibrate(Level),
    /// See [`OutputType::Rotate`].
    Rotate(Level),
    /// See [`OutputType::Oscillate`].
    Oscillate(Level),
    /// See [`OutputType::Constrict`].
    Constrict(Level),
    /// See [`OutputType::Temperature`].
    Temperature(Level),
    /// See [`OutputType::Led`].
    Led(Level),
    /// See [`OutputType::Spray`].
    Spray(Level),
    /// See [`OutputType::Position`].
    Position(Level),
    /// See [`OutputType::HwPositionWithDuration`].
    HwPositionWithDuration(PositionWithDuration),
}

impl OutputCommand {
    /// A command of `output_type` with `value`; `duration` is used only by
    /// [`OutputType::HwPositionWithDuration`].
    pub fn new(output_type: OutputType, value: i64, duration: i64) -> Self {
        let level = Level { value: OutputValue(value) };
        match output_type {
            OutputType::Vibrate => Self::Vibrate(level),
            OutputType::Rotate => Self::Rotate(level),
            OutputType::Oscillate => Self::Oscillate(level),
            OutputType::Constrict => Self::Constrict(level),
            OutputType::Temperature => Self::Temperature(level),
            OutputType::Led => Self::Led(level),
            OutputType::Spray => Self::Spray(level),
            OutputType::Position => Self::Position(level),
            OutputType::HwPositionWithDuration => {
                Self::HwPositionWithDuration(PositionWithDuration {
                    value: OutputValue(value),
                    duration: OutputValue(duration),
                })
            }
        }
    }

    /// The output type this command drives.
    pub const fn output_type(&self) -> OutputType {
        match self {
            Self::Vibrate(_) => OutputType::Vibrate,
            Self::Rotate(_) => OutputType::Rotate,
            Self::Oscillate(_) => OutputType::Oscillate,
            Self::Constrict(_) => OutputType::Constrict,
            Self::Temperature(_) => OutputType::Temperature,
            Self::Led(_) => OutputType::Led,
            Self::Spray(_) => OutputType::Spray,
            Self::Position(_) => OutputType::Position,
            Self::HwPositionWithDuration(_) => OutputType::HwPositionWithDuration,
        }
    }

    /// The `Value` parameter.
    pub const fn value(&self) -> i64 {
        match self {
            Self::Vibrate(level)
            | Self::Rotate(level)
            | Self::Oscillate(level)
            | Self::Constrict(level)
            | Self::Temperature(level)
            | Self::Led(level)
            | Self::Spray(level)
            | Self::Position(level) => level.value.0,
            Self::HwPositionWithDuration(position) => position.value.0,
        }
    }

    /// The `Duration` parameter, for [`OutputType::HwPositionWithDuration`] only.
    pub const fn duration(&self) -> Option<i64> {
        match self {
            Self::HwPositionWithDuration(position) => Some(position.duration.0),
            _ => None,
        }
    }
}

/// Parameters of the single-value output types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Level {
    /// The level, speed or position, in steps of the advertised range.
    pub value: OutputValue,
}

/// Parameters of [`OutputType::HwPositionWithDuration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PositionWithDuration {
    /// Target position.
    pub value: OutputValue,
    /// Movement time in milliseconds.
    pub duration: OutputValue,
}

json_object!(OutputCmd, Level, PositionWithDuration);
