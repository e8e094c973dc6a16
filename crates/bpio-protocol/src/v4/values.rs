//! Value types shared by several messages.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::frame::{Integer, integer_token};

/// An inclusive integer range, written as the two-element array `[min, max]`, with `min <= max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "[i32; 2]", into = "[i32; 2]")]
pub struct Range {
    min: i32,
    max: i32,
}

impl Range {
    /// A range, or `None` when `min > max`.
    pub const fn new(min: i32, max: i32) -> Option<Self> {
        if min <= max { Some(Self { min, max }) } else { None }
    }

    /// The lower end (inclusive).
    pub const fn min(self) -> i32 {
        self.min
    }

    /// The upper end (inclusive).
    pub const fn max(self) -> i32 {
        self.max
    }

    /// Whether `value` lies inside the range.
    pub fn contains(self, value: i64) -> bool {
        i64::from(self.min) <= value && value <= i64::from(self.max)
    }
}

impl TryFrom<[i32; 2]> for Range {
    type Error = String;

    fn try_from([min, max]: [i32; 2]) -> Result<Self, Self::Error> {
        Self::new(min, max).ok_or_else(|| format!("range [{min}, {max}] has min > max"))
    }
}

impl From<Range> for [i32; 2] {
    fn from(range: Range) -> Self {
        [range.min, range.max]
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.min, self.max)
    }
}

/// The `Value` or `Duration` of an output command: any JSON integer.
///
/// Whether an integer fits is a range question answered with ERROR_DEVICE, not a type question
/// (docs/PROTOCOL.md 2.2), so every integer token is accepted here, even one too large for `i64`:
/// those saturate, which keeps them outside every advertised range. A fraction, exponent, string or
/// null is refused. The token is read as text because JSON readers turn big integers into floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutputValue(pub i64);

impl Serialize for OutputValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for OutputValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        match integer_token(raw.get()) {
            Some(Integer::Small(value)) => Ok(Self(value)),
            Some(Integer::Negative) => Ok(Self(i64::MIN)),
            Some(Integer::Huge) => Ok(Self(i64::MAX)),
            None => {
                Err(D::Error::custom(format_args!("expected an integer, found `{}`", raw.get())))
            }
        }
    }
}

impl From<i64> for OutputValue {
    fn from(value: i64) -> Self {
        Self(value)
    }
}
