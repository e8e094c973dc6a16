//! Meese (BLE): one write per feature on `tx`, with response: `[01 80 <motor> <level>]`, motors
//! numbered from 1 in feature order. No handshake, no inputs; the identifier is the advertised
//! name.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, motor_number, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "meese";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    let motor = motor_number(feature).filter(|_| command.output == OutputType::Vibrate);
    let motor = motor.ok_or_else(|| unsupported(feature, command))?;
    Ok(tx_acked([0x01, 0x80, motor, level]))
}
