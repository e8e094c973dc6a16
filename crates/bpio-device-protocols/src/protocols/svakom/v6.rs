//! Svakom v6: seven-byte packets on `tx` without response (see [`PairFirmware`]; a lone
//! vibrator is always set 0). Besides the vibrator pair on features 0 and 1:
//!
//! - a third vibrator (feature 2 and up) takes `55 07 00 00 <on> <speed> 00`;
//! - constrict (suction) takes `55 09 00 00 <level> 00 00`;
//! - rotate takes `55 14 00 00 <on> <speed> 00`, the direction ignored.
//!
//! `<on>` is 1 for any speed above 0.

use bpio_protocol::v4::OutputType;

use super::common::{self, PairFirmware, Version};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{byte, magnitude, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-v6";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PairFirmware::create(Version::padded(other))
}

fn other(feature: u32, command: &HwOutput) -> Result<[u8; 6], ProtocolError> {
    match command.output {
        OutputType::Vibrate => Ok(common::packet(0x07, 0x00, byte(feature, command)?)),
        OutputType::Constrict => Ok([0x55, 0x09, 0x00, 0x00, byte(feature, command)?, 0x00]),
        OutputType::Rotate => Ok(common::packet(0x14, 0x00, magnitude(feature, command)?)),
        _ => Err(unsupported(feature, command)),
    }
}
