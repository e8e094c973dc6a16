//! Zemalia Dice for Love (BLE, Svakom firmware): one vibrator, `55 04 00 00 01 <speed> aa` on `tx`
//! without response (the `01` stays at speed 0). When the backend needs traffic, the last packet
//! is repeated after 5 s without writes. No handshake; the identifier is the advertised name.
//!
//! Facts from the reference implementation. The die also has a roll sensor and reports its
//! battery, but neither is in the device database, so this protocol has no inputs.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-dice";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).repeating_last(KEEPALIVE_INTERVAL)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0x55, 0x04, 0x00, 0x00, 0x01, speed, 0xaa]))
}
