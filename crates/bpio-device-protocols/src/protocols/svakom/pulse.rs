//! Svakom Pulse: like Svakom v2's main vibrator, `55 03 03 00 <on> <speed + 1>` on `tx`
//! without response, where `<on>` is 1 for any speed above 0; the firmware counts speeds from 1,
//! so a stopped motor is sent as 1 with the on flag clear. No handshake, identified by the
//! advertised name. Each feature of a batch is its own write.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, out_of_range, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-pulse";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    let sent = speed.checked_add(1).ok_or_else(|| out_of_range(feature, command))?;
    Ok(tx([0x55, 0x03, 0x03, 0x00, u8::from(speed > 0), sent]))
}
