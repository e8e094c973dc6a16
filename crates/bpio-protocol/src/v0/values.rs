//! Value types of the legacy commands.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A legacy speed, position or scalar: a double in `0.0..=1.0` (docs/VERSIONS.md 5, step 1).
///
/// Anything outside, written as a JSON number, is refused while parsing, so the whole message gets
/// ERROR_MSG. Integers are accepted (`1` reads as `1.0`) and written back as doubles.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct UnitInterval(f64);

impl UnitInterval {
    /// The value, or `None` outside `0.0..=1.0` (NaN included).
    pub fn new(value: f64) -> Option<Self> {
        (0.0..=1.0).contains(&value).then_some(Self(value))
    }

    /// The value, in `0.0..=1.0`.
    pub const fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for UnitInterval {
    type Error = String;

    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::new(value).ok_or_else(|| format!("{value} is outside 0.0..=1.0"))
    }
}

impl From<UnitInterval> for f64 {
    fn from(value: UnitInterval) -> Self {
        value.0
    }
}

impl fmt::Display for UnitInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An integer in `0..=MAX`, for the device-specific commands of v0/v1 (docs/VERSIONS.md 6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct UpTo<const MAX: u32>(u32);

impl<const MAX: u32> UpTo<MAX> {
    /// The value, or `None` above `MAX`.
    pub const fn new(value: u32) -> Option<Self> {
        if value <= MAX { Some(Self(value)) } else { None }
    }

    /// The value, in `0..=MAX`.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl<const MAX: u32> TryFrom<u32> for UpTo<MAX> {
    type Error = String;

    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value).ok_or_else(|| format!("{value} is outside 0..={MAX}"))
    }
}

impl<const MAX: u32> From<UpTo<MAX>> for u32 {
    fn from(value: UpTo<MAX>) -> Self {
        value.0
    }
}
