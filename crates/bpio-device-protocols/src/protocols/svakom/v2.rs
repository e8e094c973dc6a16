//! Svakom v2: six-byte packets on `tx`, written with response; no handshake, identified by the
//! advertised name.
//!
//! The main vibrator (any feature but 1) takes `55 03 03 00 <on> <speed>`, where `<on>` is 1
//! for any speed above 0. A second motor on feature 1 (no database model has one; a user config
//! may add it) takes `55 06 01 00 <speed> <speed>`. Each feature of a batch is its own write.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx_acked, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-v2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    let packet = if feature == 1 {
        [0x55, 0x06, 0x01, 0x00, speed, speed]
    } else {
        common::packet(0x03, 0x03, speed)
    };
    Ok(tx_acked(packet))
}
