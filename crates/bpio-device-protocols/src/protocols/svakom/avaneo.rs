//! Svakom Ava Neo (BLE): one six-byte write per feature on `tx`, without response. No handshake,
//! no keep-alive, no inputs; the identifier is the advertised name.
//!
//! Facts from the reference implementation:
//! - feature 0 (the vibrator) takes `55 03 00 00 <on> <speed>`, `<on>` 1 for any speed above 0,
//!   whether it is commanded to vibrate or to oscillate;
//! - oscillation on another feature takes `55 08 00 00 <speed> ff`;
//! - vibration on another feature takes `55 09 00 00 <speed> ff`.
//!
//! The `ff` stays at speed 0.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-avaneo";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    let packet = match (command.output, feature) {
        (OutputType::Vibrate | OutputType::Oscillate, 0) => common::packet(0x03, 0x00, speed),
        (OutputType::Oscillate, _) => [0x55, 0x08, 0x00, 0x00, speed, 0xff],
        (OutputType::Vibrate, _) => [0x55, 0x09, 0x00, 0x00, speed, 0xff],
        _ => return Err(unsupported(feature, command)),
    };
    Ok(tx(packet))
}
