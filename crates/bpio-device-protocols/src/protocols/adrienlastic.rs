//! Adrien Lastic (BLE): ASCII `MotorValue:<level>;` on `tx`, with response, the level in at
//! least two decimal digits (0–16 in the database). No handshake, no inputs; the identifier is
//! the advertised name. Each feature of a batch is its own write.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "adrienlastic";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx_acked(format!("MotorValue:{level:02};")))
}
