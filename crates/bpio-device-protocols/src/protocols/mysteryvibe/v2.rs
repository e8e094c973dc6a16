//! MysteryVibe, second generation (Tenuto Mini, Crescendo 2, Tenuto 2, Legato, Molto): the
//! commands and resend of `mysteryvibe` after the init write `[0x03, 0x02, 0x40]` on `txmode`.

use super::common::MysteryVibe;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "mysteryvibe-v2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MysteryVibe::new([0x03, 0x02, 0x40]))
}
