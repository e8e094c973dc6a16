//! Love Nut (BLE): one 16-byte write on `tx` per command, without response: `45 56 4f 4c`, the
//! speed (0 to 15) in both nibbles of each of the next ten bytes, then `00 ff`. No handshake,
//! no inputs; identified by the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, out_of_range, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "lovenuts";

const HEADER: [u8; 4] = [0x45, 0x56, 0x4f, 0x4c];
const TRAILER: [u8; 2] = [0x00, 0xff];
/// How many bytes carry the speed.
const SPEED_BYTES: usize = 10;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    // Each speed byte holds the speed twice, one per nibble: a wider value would spill over.
    if speed > 0x0f {
        return Err(out_of_range(feature, command));
    }
    let mut data = Vec::with_capacity(HEADER.len() + SPEED_BYTES + TRAILER.len());
    data.extend(HEADER);
    data.extend([speed << 4 | speed; SPEED_BYTES]);
    data.extend(TRAILER);
    Ok(tx(data))
}
