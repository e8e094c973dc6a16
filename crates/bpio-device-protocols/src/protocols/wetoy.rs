//! WeToy (MiNa; BLE): writes on `tx`, with response. A running motor takes `[b2 <speed - 1>]`;
//! `[80 03]` stops it, and init sends that stop once. No inputs; the identifier is the
//! advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "wetoy";

const STOP: [u8; 2] = [0x80, 0x03];

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).with_init([tx_acked(STOP)])
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    // The firmware counts running speeds from 0.
    Ok(match speed.checked_sub(1) {
        None => tx_acked(STOP),
        Some(speed) => tx_acked([0xb2, speed]),
    })
}
