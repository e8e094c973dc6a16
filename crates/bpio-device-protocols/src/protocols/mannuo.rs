//! ManNuo (BLE): `aa 55 06 01 01 01 <speed> fa` and the XOR of those eight bytes, on `tx`,
//! written with response, one write per command. No handshake, no inputs; identified by the
//! advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "mannuo";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    let mut data = vec![0xaa, 0x55, 0x06, 0x01, 0x01, 0x01, speed, 0xfa];
    let check = data.iter().fold(0, |check, byte| check ^ byte);
    data.push(check);
    Ok(tx_acked(data))
}
