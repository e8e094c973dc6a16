//! MyMuse Link Plus (BLE): `[aa 55 06 01 01 01 level ff]` on `tx` for a running motor, and
//! `[aa 55 06 aa 00 00 00 00]` to stop it; no handshake, no inputs, identified by the advertised
//! name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "mymuselinkplus";

const STOP: [u8; 8] = [0xaa, 0x55, 0x06, 0xaa, 0x00, 0x00, 0x00, 0x00];

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(match level {
        0 => tx(STOP),
        level => tx([0xaa, 0x55, 0x06, 0x01, 0x01, 0x01, level, 0xff]),
    })
}
