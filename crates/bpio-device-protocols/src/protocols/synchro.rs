//! Synchro (Shinkuro, Synchro Exchange; BLE): one write per feature on `tx`, without response:
//! `[a1 01 <speed> 77 55]`, the speed's top bit set for counter-clockwise rotation. No handshake,
//! no inputs; the identifier is the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, magnitude, out_of_range, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "synchro";

const COUNTER_CLOCKWISE: u8 = 0x80;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::signed(write)
}

fn write(feature: u32, command: &HwOutput) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Rotate {
        return Err(unsupported(feature, command));
    }
    let speed = magnitude(feature, command)?;
    // The top bit is the direction, so a speed must fit in the other seven.
    if speed >= COUNTER_CLOCKWISE {
        return Err(out_of_range(feature, command));
    }
    let direction = if command.value < 0 { COUNTER_CLOCKWISE } else { 0 };
    Ok(tx([0xa1, 0x01, speed | direction, 0x77, 0x55]))
}
