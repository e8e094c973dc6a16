//! Svakom v5: six-byte packets on `tx` without response (see [`PairFirmware`]); unlike v4 and
//! v6, a lone vibrator is named as motor 1 while it runs. Oscillation takes
//! `55 09 00 00 <speed> 00`.

use bpio_protocol::v4::OutputType;

use super::common::{PairFirmware, Version};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{byte, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-v5";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PairFirmware::create(Version {
        padded: false,
        lone_is_set_zero: false,
        on: 0x01,
        repeats_last: false,
        other,
    })
}

fn other(feature: u32, command: &HwOutput) -> Result<[u8; 6], ProtocolError> {
    match command.output {
        OutputType::Oscillate => Ok([0x55, 0x09, 0x00, 0x00, byte(feature, command)?, 0x00]),
        _ => Err(unsupported(feature, command)),
    }
}
