//! Motorbunny (BLE): one write per feature on `tx`, without response; no handshake, no inputs,
//! the identifier is the advertised name.
//!
//! Facts from the reference implementation. A running output repeats a two-byte pair seven
//! times between a header and a checksum: `[header, (a, b) × 7, sum, ec]`, the sum being the
//! fourteen pair bytes added modulo 256. Vibrate: header `ff`, pair `(level, 14)`. Rotate:
//! header `af`, pair `(2a, speed)` clockwise or `(29, speed)` counter-clockwise. At 0 each sends
//! its own stop, `[f0 00 00 00 00 ec]` and `[a0 00 00 00 00 ec]`.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, magnitude, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "motorbunny";

const END: u8 = 0xec;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::signed(write)
}

fn write(feature: u32, command: &HwOutput) -> Result<HardwareCommand, ProtocolError> {
    // A rotation's value is signed: its size is the speed, its sign the direction.
    let speed = magnitude(feature, command)?;
    let (stop, header, pair) = match command.output {
        OutputType::Vibrate => (0xf0, 0xff, [speed, 0x14]),
        OutputType::Rotate => {
            let direction = if command.value < 0 { 0x29 } else { 0x2a };
            (0xa0, 0xaf, [direction, speed])
        }
        _ => return Err(unsupported(feature, command)),
    };
    if speed == 0 {
        return Ok(tx([stop, 0x00, 0x00, 0x00, 0x00, END]));
    }
    let pairs = pair.repeat(7);
    let sum = pairs.iter().fold(0u8, |sum, byte| sum.wrapping_add(*byte));
    let mut data = Vec::with_capacity(pairs.len() + 3);
    data.push(header);
    data.extend(pairs);
    data.extend([sum, END]);
    Ok(tx(data))
}
