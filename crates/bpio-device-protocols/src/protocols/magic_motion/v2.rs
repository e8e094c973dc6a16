//! MagicMotion, second generation (Awaken, Equinox, Solstice, Eidolon, Zenith, FunTown Jive):
//! the packet with two motor slots; see `magic_motion_1` for the layout.

use super::common::{Generation, MagicMotion};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "magic-motion-2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MagicMotion::new(Generation::Second))
}
