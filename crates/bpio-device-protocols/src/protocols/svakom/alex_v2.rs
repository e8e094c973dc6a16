//! Svakom Alex Neo 2 (BLE): one vibrator, `55 03 03 00 <speed> <speed + 5>` on `tx` without
//! response. When the backend needs traffic, the last packet is repeated after 5 s without
//! writes. No handshake, no inputs; the identifier is the advertised name.
//!
//! Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, out_of_range, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-alex-v2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).repeating_last(KEEPALIVE_INTERVAL)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    // The second copy is offset by 5; a speed whose copy passes a byte cannot be sent.
    let offset = speed.checked_add(5).ok_or_else(|| out_of_range(feature, command))?;
    Ok(tx([0x55, 0x03, 0x03, 0x00, speed, offset]))
}
