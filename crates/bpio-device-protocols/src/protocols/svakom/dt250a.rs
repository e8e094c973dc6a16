//! Coleur Dor DT250A (BLE, Svakom firmware): one write per feature on `tx`, without response,
//! `55 <code> 00 00 <level> <on>`. No handshake, no keep-alive, no inputs; the identifier is the
//! advertised name.
//!
//! Facts from the reference implementation: the vibrator on feature 0 has code 03, a vibrator on
//! any other feature 08, and the suction (constrict) 09. `<on>` is 01 for a vibrator's level
//! above 0; the suction always sends 00 there.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-dt250a";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    let vibrator_on = u8::from(level > 0);
    let (code, on) = match (command.output, feature) {
        (OutputType::Vibrate, 0) => (0x03, vibrator_on),
        (OutputType::Vibrate, _) => (0x08, vibrator_on),
        (OutputType::Constrict, _) => (0x09, 0x00),
        _ => return Err(unsupported(feature, command)),
    };
    Ok(tx([0x55, code, 0x00, 0x00, level, on]))
}
