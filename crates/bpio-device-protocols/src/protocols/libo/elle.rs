//! Libo Elle (BLE): one write per feature, without response; no handshake, no inputs, the
//! identifier is the advertised name.
//!
//! The main vibrator (any feature but 1) takes its level as one byte on `txmode`. A second motor
//! on feature 1 (the database gives none; a user config may add it) takes one byte on `tx`: 0
//! stops it, levels 1–7 are `(level - 1) << 4 | 1` and levels 8–23 `(level - 8) << 4 | 4`, the
//! low nibble choosing the mode (facts from the reference implementation).

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, out_of_range, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "libo-elle";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    if feature != 1 {
        return Ok(HardwareCommand::write(Endpoint::TxMode, [level]));
    }
    let byte = match level {
        0 => 0,
        1..=7 => (level - 1) << 4 | 0x01,
        8..=23 => (level - 8) << 4 | 0x04,
        _ => return Err(out_of_range(feature, command)),
    };
    Ok(tx([byte]))
}
