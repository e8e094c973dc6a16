//! Float-to-step conversion of legacy commands (docs/VERSIONS.md 5), computed in IEEE-754 double
//! precision exactly as the reference does, floating-point artefacts included.

use crate::v0::UnitInterval;

/// Below this a speed-like value is off (docs/VERSIONS.md 5, step 2).
const EPSILON: f64 = 0.000001;

/// Speed-like targets (`Vibrate`, `Rotate`, `Oscillate`, `Constrict`, `Temperature`, `Led`,
/// `Spray`): `0` below 0.000001, else `ceil(n × x)`, so any non-zero input gives at least 1.
pub fn speed(x: UnitInterval, n: u32) -> i64 {
    if x.get() < EPSILON { 0 } else { integral(f64::from(n) * x.get(), f64::ceil) }
}

/// `Position` through `ScalarCmd`: `ceil(n × x)`, without the epsilon rule.
pub fn position(x: UnitInterval, n: u32) -> i64 {
    integral(f64::from(n) * x.get(), f64::ceil)
}

/// `HwPositionWithDuration` through `LinearCmd`: `floor(n × x)`, so `100 × 0.29` gives 28.
pub fn linear(x: UnitInterval, n: u32) -> i64 {
    integral(f64::from(n) * x.get(), f64::floor)
}

/// `round(product)` as an integer, exactly.
///
/// `product` lies in `0.0..=u32::MAX` (a value in `0.0..=1.0` times a `u32`), so the rounded value
/// is an integer below 2^52. Adding 2^52 to such a value puts it in the binade where the unit in
/// the last place is 1, so its integer part is the low 52 bits of the representation: an exact
/// conversion that needs no `as` cast.
fn integral(product: f64, round: fn(f64) -> f64) -> i64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let rounded = round(product).clamp(0.0, f64::from(u32::MAX));
    let bits = (rounded + TWO_52).to_bits() - TWO_52.to_bits();
    i64::try_from(bits).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(value: f64) -> UnitInterval {
        UnitInterval::new(value).unwrap()
    }

    #[test]
    fn worked_examples_of_versions_md_5() {
        let n = 20;
        assert_eq!(speed(x(0.5), n), 10);
        assert_eq!(speed(x(0.51), n), 11);
        assert_eq!(speed(x(0.04), n), 1);
        assert_eq!(speed(x(0.0000005), n), 0);
        assert_eq!(speed(x(1.0), n), 20);
        assert_eq!(speed(x(0.0), n), 0);
        assert_eq!(speed(x(0.5), 127), 64);
        assert_eq!(speed(x(0.1), 127), 13);
        assert_eq!(speed(x(1.0), 99), 99);
        assert_eq!(speed(x(0.07), 100), 8);
        assert_eq!(speed(x(0.14), 100), 15);
        assert_eq!(linear(x(0.51), 100), 51);
        assert_eq!(linear(x(0.3), 100), 30);
        assert_eq!(linear(x(0.29), 100), 28);
        assert_eq!(linear(x(0.57), 100), 56);
        assert_eq!(position(x(0.0000005), 100), 1);
        assert_eq!(position(x(0.0), 100), 0);
        assert_eq!(speed(x(1.0), u32::MAX), i64::from(u32::MAX));
    }
}
