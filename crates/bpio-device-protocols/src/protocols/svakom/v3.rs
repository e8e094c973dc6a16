//! Svakom v3: six-byte packets on `tx` without response; no handshake, identified by the
//! advertised name. Each feature of a batch is its own write.
//!
//! - The vibrator on feature 0 takes `55 03 03 00 <on> <speed>`;
//! - a vibrator on any other feature (Alberta's suction lens) takes `55 09 00 00 <on> <speed>`;
//! - rotation takes `55 08 00 00 <speed> ff`.
//!
//! `<on>` is 1 for any speed above 0.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-v3";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    let packet = match (command.output, feature) {
        (OutputType::Vibrate, 0) => common::packet(0x03, 0x03, speed),
        (OutputType::Vibrate, _) => common::packet(0x09, 0x00, speed),
        (OutputType::Rotate, _) => [0x55, 0x08, 0x00, 0x00, speed, 0xff],
        _ => return Err(unsupported(feature, command)),
    };
    Ok(tx(packet))
}
