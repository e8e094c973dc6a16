//! Xiuxiuda (BLE): one 9-byte packet on `tx` sets the vibrator, `[00 00 00 00 65 3a 30 <speed> 64]`,
//! written without response; a speed of 0 stops it. No handshake, no inputs; the identifier is
//! the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "xiuxiuda";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0x00, 0x00, 0x00, 0x00, 0x65, 0x3a, 0x30, speed, 0x64]))
}
