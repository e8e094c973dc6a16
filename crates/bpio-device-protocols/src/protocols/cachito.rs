//! Cachito (BLE): one 4-byte write per feature on `tx`, without response:
//! `[02 + feature, 01 + feature, level, 00]`. No handshake, no inputs; the identifier is the
//! advertised name.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, motor_number, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "cachito";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    // The feature's number counted from 1, and the command byte one above it.
    let number = motor_number(feature).filter(|_| command.output == OutputType::Vibrate);
    let (number, code) = number
        .and_then(|number| Some((number, number.checked_add(1)?)))
        .ok_or_else(|| unsupported(feature, command))?;
    Ok(tx([code, number, level, 0x00]))
}
