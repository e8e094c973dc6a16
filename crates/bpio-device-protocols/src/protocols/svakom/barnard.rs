//! Fantasy Cup Barnard (BLE, Svakom firmware): one six-byte write per feature on `tx`, without
//! response; unlike most Svakom firmware, the level comes before its on byte. When the backend
//! needs traffic, the last packet is repeated after 5 s without writes. No handshake, no inputs;
//! the identifier is the advertised name.
//!
//! Facts from the reference implementation:
//! - vibrate: `55 03 00 00 <level> <on>`, `<on>` 01 for any level above 0;
//! - oscillate: `55 08 00 00 <level> <on>`, `<on>` ff for any level above 0.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-barnard";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).repeating_last(KEEPALIVE_INTERVAL)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    let (code, on) = match command.output {
        OutputType::Vibrate => (0x03, 0x01),
        OutputType::Oscillate => (0x08, 0xff),
        _ => return Err(unsupported(feature, command)),
    };
    let on = if level == 0 { 0x00 } else { on };
    Ok(tx([0x55, code, 0x00, 0x00, level, on]))
}
