//! Xibao (Smart Masturbation Cup; BLE): one 13-byte packet on `tx` sets the stroking speed,
//! written without response: a fixed 11-byte header `66 3a 00 06 00 06 01 02 00 02 04`, the
//! speed, and a check byte, the speed plus `b5` (mod 256). A speed of 0 stops it. No handshake,
//! no inputs; the identifier is the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "xibao";

const HEADER: [u8; 11] = [0x66, 0x3a, 0x00, 0x06, 0x00, 0x06, 0x01, 0x02, 0x00, 0x02, 0x04];
/// Added to the speed to make the check byte.
const CHECK_OFFSET: u8 = 0xb5;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Oscillate {
        return Err(unsupported(feature, command));
    }
    let mut packet = HEADER.to_vec();
    packet.extend([speed, speed.wrapping_add(CHECK_OFFSET)]);
    Ok(tx(packet))
}
