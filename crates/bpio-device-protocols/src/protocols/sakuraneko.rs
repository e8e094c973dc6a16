//! Sakuraneko (Korokoro, Nukunuku, Dokidoki, Koikoi): the device name as identifier, no
//! handshake, one 12-byte packet per command on `tx`:
//! `a1 08 01 00 00 00 64 <level> 00 64 df 55` to vibrate and
//! `a2 08 01 00 00 00 64 <level> 00 32 df 55` to rotate (the Koikoi's second feature, one
//! direction only).

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "sakuraneko";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    let (code, trailer) = match command.output {
        OutputType::Vibrate => (0xa1, 0x64),
        OutputType::Rotate => (0xa2, 0x32),
        _ => return Err(unsupported(feature, command)),
    };
    Ok(tx([code, 0x08, 0x01, 0, 0, 0, 0x64, level, 0, trailer, 0xdf, 0x55]))
}
