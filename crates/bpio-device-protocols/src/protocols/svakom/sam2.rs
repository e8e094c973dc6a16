//! Svakom Sam Neo 2 (BLE): one 7-byte write per feature on `tx`, with response. Vibrate is
//! `55 03 00 00 <on> <level> 00` with `<on>` 05 while running, constrict (the suction)
//! `55 09 00 00 <on> <level> 00` with `<on>` 01; both are 00 at level 0. No handshake, no inputs;
//! the identifier is the advertised name.
//!
//! When the backend needs traffic, the last packet is repeated after 5 s without writes (facts
//! from the reference implementation).

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx_acked, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-sam2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).repeating_last(KEEPALIVE_INTERVAL)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    let (code, on) = match command.output {
        OutputType::Vibrate => (0x03, 0x05),
        OutputType::Constrict => (0x09, 0x01),
        _ => return Err(unsupported(feature, command)),
    };
    let on = if level == 0 { 0x00 } else { on };
    Ok(tx_acked([0x55, code, 0x00, 0x00, on, level, 0x00]))
}
