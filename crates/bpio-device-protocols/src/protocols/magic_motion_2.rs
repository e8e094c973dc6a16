//! MagicMotion, second generation (Awaken, Equinox, Solstice, Eidolon, Zenith, FunTown Jive):
//! the packet with two motor slots; see `magic_motion_1` for the layout.

use super::magic_motion_1::{Generation, MagicMotion};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "magic-motion-2";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MagicMotion::new(info, Generation::Second))
}
