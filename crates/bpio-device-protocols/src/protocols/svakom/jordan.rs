//! Svakom Jordan (BLE): one seven-byte write per feature on `tx`, without response: vibrate
//! `55 03 00 00 <on> <speed> 00`, oscillate `55 08 00 00 <on> <speed> 00`, `<on>` 1 for any speed
//! above 0. When the backend needs traffic, the last packet is repeated after 5 s without writes.
//! No handshake, no inputs; the identifier is the advertised name.
//!
//! Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{self, KEEPALIVE_INTERVAL};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-jordan";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).repeating_last(KEEPALIVE_INTERVAL)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    let code = match command.output {
        OutputType::Vibrate => 0x03,
        OutputType::Oscillate => 0x08,
        _ => return Err(unsupported(feature, command)),
    };
    Ok(tx(common::padded(common::packet(code, 0x00, speed))))
}
