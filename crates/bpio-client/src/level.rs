//! Output levels: integer steps or a fraction of the advertised range.

use std::fmt;

use bpio_protocol::v4::Range;

use crate::error::Error;

/// How strongly to drive an output, or where to move it.
///
/// Either integer steps of the feature's advertised range (`vibrate(10)`), sent as they are, or
/// a fraction of that range (`vibrate(0.5)`), converted with the range of each feature it is sent
/// to. Fractions run from 0.0 to 1.0, and from -1.0 to 1.0 on bidirectional outputs (a `Rotate`
/// or `Temperature` range `[-N, N]`). A fraction becomes the nearest step; on speed-like outputs
/// (everything but positions) any non-zero fraction gives at least one step, so a small level
/// never silently means off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    /// Steps of the advertised range, as sent on the wire.
    Steps(i64),
    /// A fraction of the advertised range.
    Fraction(f64),
}

impl From<i32> for Level {
    fn from(steps: i32) -> Self {
        Self::Steps(steps.into())
    }
}

impl From<u32> for Level {
    fn from(steps: u32) -> Self {
        Self::Steps(steps.into())
    }
}

impl From<i64> for Level {
    fn from(steps: i64) -> Self {
        Self::Steps(steps)
    }
}

impl From<f64> for Level {
    fn from(fraction: f64) -> Self {
        Self::Fraction(fraction)
    }
}

impl From<f32> for Level {
    fn from(fraction: f32) -> Self {
        Self::Fraction(fraction.into())
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Steps(steps) => write!(f, "{steps} steps"),
            Self::Fraction(fraction) => write!(f, "fraction {fraction}"),
        }
    }
}

impl Level {
    /// The steps this level stands for on an output accepting `range`; `speed` is true for
    /// speed-like outputs, where a non-zero fraction never rounds to 0.
    pub(crate) fn steps(self, range: Range, speed: bool) -> Result<i64, Error> {
        let out_of_range = Error::OutOfRange { level: self, range };
        let steps = match self {
            Self::Steps(steps) => steps,
            Self::Fraction(fraction) => {
                let (min, max) = (f64::from(range.min()), f64::from(range.max()));
                let bidirectional = range.min() < 0;
                let lowest = if bidirectional { -1.0 } else { 0.0 };
                // Also refuses NaN, for which every comparison is false.
                if !(lowest..=1.0).contains(&fraction) {
                    return Err(out_of_range);
                }
                let exact = if !bidirectional {
                    min + fraction * (max - min)
                } else if fraction >= 0.0 {
                    fraction * max
                } else {
                    -fraction * min
                };
                let nearest = to_integer(exact.round());
                if speed && nearest == 0 && fraction != 0.0 {
                    if fraction > 0.0 { 1 } else { -1 }
                } else {
                    nearest
                }
            }
        };
        if range.contains(steps) { Ok(steps) } else { Err(out_of_range) }
    }
}

/// `value` is a whole number between two `i32` range ends, so the conversion is exact.
#[allow(clippy::cast_possible_truncation)]
fn to_integer(value: f64) -> i64 {
    value as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(min: i32, max: i32) -> Range {
        Range::new(min, max).unwrap()
    }

    #[track_caller]
    fn check(level: impl Into<Level>, min: i32, max: i32, speed: bool, expected: Option<i64>) {
        assert_eq!(level.into().steps(range(min, max), speed).ok(), expected);
    }

    #[test]
    fn steps_pass_through_when_inside_the_range() {
        check(0, 0, 20, true, Some(0));
        check(20, 0, 20, true, Some(20));
        check(-7, -10, 10, true, Some(-7));
        check(21, 0, 20, true, None);
        check(-1, 0, 20, true, None);
        check(i64::MAX, 0, 20, true, None);
    }

    #[test]
    fn fractions_become_the_nearest_step() {
        check(0.5, 0, 20, true, Some(10));
        check(0.52, 0, 20, true, Some(10));
        check(0.53, 0, 20, true, Some(11));
        check(1.0, 0, 20, true, Some(20));
        check(0.0, 0, 20, true, Some(0));
        check(0.5_f32, 0, 999, false, Some(500));
    }

    #[test]
    fn a_small_nonzero_speed_is_never_off_but_a_small_position_may_be_zero() {
        check(0.001, 0, 20, true, Some(1));
        check(-0.001, -20, 20, true, Some(-1));
        check(0.001, 0, 20, false, Some(0));
    }

    #[test]
    fn bidirectional_ranges_take_signed_fractions() {
        check(-1.0, -20, 20, true, Some(-20));
        check(-0.5, -20, 20, true, Some(-10));
        check(0.25, -20, 20, true, Some(5));
        check(-0.5, 0, 20, true, None);
    }

    #[test]
    fn fractions_outside_the_domain_or_not_numbers_are_refused() {
        check(1.01, 0, 20, true, None);
        check(-1.01, -20, 20, true, None);
        check(f64::NAN, 0, 20, true, None);
        check(f64::INFINITY, 0, 20, true, None);
    }

    #[test]
    fn a_range_with_a_nonzero_start_scales_from_its_start() {
        check(0.0, 10, 20, false, Some(10));
        check(0.5, 10, 20, false, Some(15));
    }
}
