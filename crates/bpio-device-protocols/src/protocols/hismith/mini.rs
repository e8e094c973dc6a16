//! Hismith Mini and kin (BLE): `[cc <channel> <value> <checksum>]` on `tx`, one write per
//! output; the checksum is `value + channel`.
//!
//! Facts from the reference implementation:
//! - identification reads 128 bytes from `rxblemodel`; their hex digits are the identifier
//!   (`40 01` is `4001`).
//! - oscillate drives channel 3. Vibrate drives channel 5, except on toys with two vibrators,
//!   where the vibrator at feature 0 is channel 3. Constrict is channel 5 when it is the second
//!   feature of the definition, else channel 3.
//! - rotate writes its speed to channel 3, then the direction to channel 1: `c0 c1` clockwise
//!   (0 included), `c1 c2` the other way.
//! - spray is momentary: `[cc 0b 01 0c]` sprays. The reference writes it for every level, so
//!   its stop sprays too; ours writes nothing for 0.
//!
//! No init, no inputs, no keep-alive.

use super::common::Hismith;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "hismith-mini";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Hismith::new(NAME, None))
}
