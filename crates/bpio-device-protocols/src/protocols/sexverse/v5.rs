//! Sexverse V5 (Sexverse Heart, Hannibal Kona; BLE): one write per feature on `tx`, without
//! response: `[aa 03 03 <level> 00 00 00]`. No handshake, no inputs; the identifier is the
//! advertised name.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "sexverse-v5";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0xaa, 0x03, 0x03, level, 0x00, 0x00, 0x00]))
}
