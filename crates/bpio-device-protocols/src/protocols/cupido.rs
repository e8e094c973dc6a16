//! Cupido (BLE): one write per command on `tx`, without response, `b0 03 00 00 00 <speed> aa`.
//! No handshake, no inputs (the reference leaves its battery read disabled). Facts from the
//! reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "cupido";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0xb0, 0x03, 0x00, 0x00, 0x00, speed, 0xaa]))
}
