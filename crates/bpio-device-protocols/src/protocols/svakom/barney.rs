//! Mutufun Barney (BLE, Svakom firmware): two vibrators sharing one seven-byte packet on `tx`
//! without response, `55 03 <which> 00 <on> <speed> 00` with `<on>` 03 while either runs (see
//! [`PairFirmware`]); a lone vibrator is always set 0. A batch is one write. When the backend
//! needs traffic, the last packet is repeated after 5 s without writes.
//!
//! Facts from the reference implementation.

use super::common::{PairFirmware, Version, pair_only};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "svakom-barney";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let version = Version { on: 0x03, repeats_last: true, ..Version::padded(pair_only) };
    PairFirmware::create(version)
}
