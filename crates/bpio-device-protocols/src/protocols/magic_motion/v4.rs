//! MagicMotion, fourth generation (Bunny, Sundae, Kegel Coach, Lotos, Nyx, Umi, Crystal, Bobi):
//! the two-slot packet written with response; see `magic_motion_1` for the layout.

use super::common::{Generation, MagicMotion};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "magic-motion-4";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MagicMotion::new(Generation::Fourth))
}
