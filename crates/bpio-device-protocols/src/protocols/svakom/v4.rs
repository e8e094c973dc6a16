//! Svakom v4: up to two vibrators sharing one seven-byte packet on `tx` without response,
//! `55 03 <which> 00 <on> <speed> 00` (see [`PairFirmware`]); a lone vibrator is always set 0.
//! A batch is one write.

use super::common::{PairFirmware, Version};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::unsupported;

/// The database name.
pub(crate) const NAME: &str = "svakom-v4";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PairFirmware::create(Version { padded: true, lone_is_set_zero: true, other })
}

/// The packet has room for the two vibrators only.
fn other(feature: u32, command: &HwOutput) -> Result<[u8; 6], ProtocolError> {
    Err(unsupported(feature, command))
}
