//! Svakom v1: `55 04 03 00 <on> <speed>` on `tx` without response, where `<on>` is 1 for any
//! speed above 0; no handshake, identified by the advertised name. One motor; each command of a
//! batch is its own write.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-v1";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    match command.output {
        OutputType::Vibrate => Ok(tx(common::packet(0x04, 0x03, speed))),
        _ => Err(unsupported(feature, command)),
    }
}
