//! Mutufun Barney (BLE, Svakom firmware): two vibrators sharing one seven-byte packet on `tx`
//! without response, `55 03 <which> 00 <on> <speed> 00` with `<on>` 03 while either runs (see
//! [`PairFirmware`]); a lone vibrator is always set 0. A batch is one write. When the backend
//! needs traffic, the last packet is repeated after 5 s without writes.
//!
//! Facts from the reference implementation.

use super::common::unsupported;
use super::svakom::{PairFirmware, Version};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "svakom-barney";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let version =
        Version { padded: true, lone_is_set_zero: true, on: 0x03, repeats_last: true, other };
    PairFirmware::create(NAME, info, version)
}

/// The packet has room for the two vibrators only.
fn other(feature: u32, command: &HwOutput) -> Result<[u8; 6], ProtocolError> {
    Err(unsupported(feature, command))
}
