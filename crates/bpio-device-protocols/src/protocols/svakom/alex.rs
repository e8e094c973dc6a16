//! Svakom Alex Neo (BLE): one vibrator, `12 01 03 00 <speed> 00` on `tx` without response, where
//! the firmware takes `ff`, not 0, as "off". When the backend needs traffic, the last packet is
//! repeated after 5 s without writes. No handshake, no inputs; the identifier is the advertised
//! name.
//!
//! Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-alex";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).repeating_last(KEEPALIVE_INTERVAL)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    let sent = if speed == 0 { 0xff } else { speed };
    Ok(tx([0x12, 0x01, 0x03, 0x00, sent, 0x00]))
}
