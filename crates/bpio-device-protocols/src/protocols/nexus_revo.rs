//! Nexus Revo (Stealth; BLE): one 6-byte write per command on `tx`, with response. Vibration:
//! `[aa 01 01 00 01 <speed>]`. Rotation: `[aa 01 02 00 <code> 00]`, where the code is the
//! speed for counter-clockwise turns and the speed plus 2 for clockwise ones. No handshake, no
//! inputs; the identifier is the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, byte, magnitude, out_of_range, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "nexus-revo";

/// What a clockwise turn adds to its speed.
const CLOCKWISE: u8 = 2;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::signed(write)
}

fn write(feature: u32, command: &HwOutput) -> Result<HardwareCommand, ProtocolError> {
    match command.output {
        OutputType::Vibrate => {
            Ok(tx_acked([0xaa, 0x01, 0x01, 0x00, 0x01, byte(feature, command)?]))
        }
        OutputType::Rotate => {
            let speed = magnitude(feature, command)?;
            let code = if command.value > 0 { speed.checked_add(CLOCKWISE) } else { Some(speed) };
            let code = code.ok_or_else(|| out_of_range(feature, command))?;
            Ok(tx_acked([0xaa, 0x01, 0x02, 0x00, code, 0x00]))
        }
        _ => Err(unsupported(feature, command)),
    }
}
