//! MagicMotion, third generation (LoveLife Krush): the one-motor packet of the first generation
//! with `46 46` in the middle, `0b ff 04 0a 46 46 00 04 08 L 64 00` on `tx` without response,
//! one write per command; the battery on the standard characteristic. Facts from the reference
//! implementation.

use super::common::{Generation, MagicMotion};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "magic-motion-3";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MagicMotion::new(Generation::Third))
}
