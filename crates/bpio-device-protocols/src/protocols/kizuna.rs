//! Kizuna Smart (serial): the rotation speed as one ASCII digit followed by CR LF on `tx`
//! (`"5\r\n"`; `"0\r\n"` stops). The rotation has one direction. No handshake, no inputs.
//! Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, out_of_range, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "kizuna";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Rotate {
        return Err(unsupported(feature, command));
    }
    // One digit: a user config that widens the range past 9 is refused, not garbled.
    if speed > 9 {
        return Err(out_of_range(feature, command));
    }
    Ok(tx([b'0' + speed, b'\r', b'\n']))
}
