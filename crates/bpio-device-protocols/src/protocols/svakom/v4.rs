//! Svakom v4: up to two vibrators sharing one seven-byte packet on `tx` without response,
//! `55 03 <which> 00 <on> <speed> 00` (see [`PairFirmware`]); a lone vibrator is always set 0.
//! A batch is one write.

use super::common::{PairFirmware, Version, pair_only};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "svakom-v4";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PairFirmware::create(Version::padded(pair_only))
}
