//! Ranges and the user-limit arithmetic of docs/PROTOCOL.md 7.2 and 7.3.

use std::fmt;

use bpio_protocol::v4;
use serde::{Deserialize, Serialize};

use crate::feature::OutputKind;

/// An inclusive `[min, max]` range from a config file, with `min <= max`.
///
/// Unlike advertised ranges, a config range need not be `[0, N]` or `[-N, N]`
/// (docs/DEVICE_CONFIG.md 5.3): only `max` and the sign of `min` carry meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "[i64; 2]", into = "[i32; 2]")]
pub struct ConfigRange {
    min: i32,
    max: i32,
}

/// Why two integers do not form a [`ConfigRange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RangeError {
    /// The lower end is above the upper end.
    #[error("range [{min}, {max}] has min > max")]
    MinAboveMax {
        /// The lower end as written.
        min: i64,
        /// The upper end as written.
        max: i64,
    },
    /// An end does not fit in 32 bits.
    #[error("range end {0} is out of the 32-bit range")]
    TooLarge(i64),
}

impl ConfigRange {
    /// A range, or `None` when `min > max`.
    pub const fn new(min: i32, max: i32) -> Option<Self> {
        if min <= max { Some(Self { min, max }) } else { None }
    }

    /// A range from two integers as read from a file.
    pub fn from_pair([min, max]: [i64; 2]) -> Result<Self, RangeError> {
        if min > max {
            return Err(RangeError::MinAboveMax { min, max });
        }
        let min32 = i32::try_from(min).map_err(|_| RangeError::TooLarge(min))?;
        let max32 = i32::try_from(max).map_err(|_| RangeError::TooLarge(max))?;
        Ok(Self { min: min32, max: max32 })
    }

    /// The lower end.
    pub const fn min(self) -> i32 {
        self.min
    }

    /// The upper end.
    pub const fn max(self) -> i32 {
        self.max
    }

    /// The same range as a wire range.
    #[allow(clippy::expect_used)]
    pub fn to_protocol(self) -> v4::Range {
        v4::Range::new(self.min, self.max).expect("invariant: a ConfigRange has min <= max")
    }
}

impl TryFrom<[i64; 2]> for ConfigRange {
    type Error = RangeError;

    fn try_from(pair: [i64; 2]) -> Result<Self, Self::Error> {
        Self::from_pair(pair)
    }
}

impl From<ConfigRange> for [i32; 2] {
    fn from(range: ConfigRange) -> Self {
        [range.min, range.max]
    }
}

impl fmt::Display for ConfigRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.min, self.max)
    }
}

/// The number of steps `N` a client sees (docs/PROTOCOL.md 7.2): `u_max - u_min` under a user
/// limit, else the base `max`. Negative when the base `max` is negative (such outputs are not
/// advertised).
pub fn step_count(base: ConfigRange, limit: Option<ConfigRange>) -> i32 {
    match limit {
        // A validated limit lies inside [0, base max], so the difference cannot overflow.
        Some(limit) => limit.max.saturating_sub(limit.min),
        None => base.max,
    }
}

/// The range advertised to clients (docs/PROTOCOL.md 7.2): `[-N, N]` when the base `min` is
/// negative, else `[0, N]`; `None` when `N` is negative.
pub fn advertised_range(base: ConfigRange, limit: Option<ConfigRange>) -> Option<v4::Range> {
    let steps = step_count(base, limit);
    if steps < 0 {
        return None;
    }
    let low = if base.min < 0 { -steps } else { 0 };
    v4::Range::new(low, steps)
}

/// The hardware value an encoder receives for an accepted client value `value`
/// (docs/PROTOCOL.md 7.3). `limit` is the user limit, `reverse` the user's `reverse` flag (only
/// meaningful for the position types).
///
/// Speed-like types map `0` to `0` and `v` to `sign(v) * (lo + |v|)`; position types map `v` to
/// `lo + v`, or `hi - v` when reversed, where `[lo, hi]` is the user limit or `[0, base max]`.
/// The arithmetic saturates, so a value the caller failed to validate cannot overflow.
pub fn hardware_value(
    kind: OutputKind,
    base: ConfigRange,
    limit: Option<ConfigRange>,
    reverse: bool,
    value: i64,
) -> i64 {
    let (lo, hi) = match limit {
        Some(limit) => (i64::from(limit.min), i64::from(limit.max)),
        None => (0, i64::from(base.max)),
    };
    if kind.is_position() {
        if reverse { hi.saturating_sub(value) } else { lo.saturating_add(value) }
    } else if value == 0 {
        0
    } else {
        value.signum().saturating_mul(lo.saturating_add(value.saturating_abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(min: i32, max: i32) -> ConfigRange {
        ConfigRange::new(min, max).unwrap()
    }

    #[test]
    fn odd_base_ranges_use_only_max_and_sign() {
        assert_eq!(advertised_range(r(37, 42), None), v4::Range::new(0, 42));
        assert_eq!(advertised_range(r(-5, 10), None), v4::Range::new(-10, 10));
        assert_eq!(advertised_range(r(-10, -2), None), None);
    }

    #[test]
    fn from_pair_checks_order_and_width() {
        assert_eq!(ConfigRange::from_pair([3, 2]), Err(RangeError::MinAboveMax { min: 3, max: 2 }));
        assert_eq!(ConfigRange::from_pair([0, 1 << 40]), Err(RangeError::TooLarge(1 << 40)));
        assert_eq!(ConfigRange::from_pair([-4, 4]), Ok(r(-4, 4)));
    }
}
