//! DeepSire (Kuirkish Imp 3; BLE): one write per feature on `tx`, without response:
//! `[55 04 01 00 00 <level> aa]`. No handshake, no inputs; the identifier is the advertised name.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "deepsire";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0x55, 0x04, 0x01, 0x00, 0x00, level, 0xaa]))
}
