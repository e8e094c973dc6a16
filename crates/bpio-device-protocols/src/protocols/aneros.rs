//! Aneros (Vivi; BLE): `[0xf1 + motor, speed]` on `tx`, motors counted from 0 in feature order;
//! no handshake, no inputs, identified by the advertised name. Each feature of a batch is its
//! own write. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "aneros";

/// The command byte of the first motor; the next motors follow it.
const FIRST_MOTOR: u8 = 0xf1;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    let motor = u8::try_from(feature).ok().and_then(|motor| FIRST_MOTOR.checked_add(motor));
    match (command.output, motor) {
        (OutputType::Vibrate, Some(motor)) => Ok(tx([motor, speed])),
        _ => Err(unsupported(feature, command)),
    }
}
