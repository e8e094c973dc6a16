//! MaxPro (BLE): `55 04 07 ff ff 3f <speed> 5f <speed>` and the sum of those nine bytes (modulo
//! 256), on `tx` without response, one write per command. No handshake, no inputs; identified
//! by the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "maxpro";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    let mut data = vec![0x55, 0x04, 0x07, 0xff, 0xff, 0x3f, speed, 0x5f, speed];
    let sum = data.iter().fold(0_u8, |sum, byte| sum.wrapping_add(*byte));
    data.push(sum);
    Ok(tx(data))
}
