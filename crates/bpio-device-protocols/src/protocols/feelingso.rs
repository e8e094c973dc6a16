//! FeelingSo (Flair Feel; BLE): one packet on `tx`, without response, carries both motors:
//! `aa 40 03 <vibrate> <oscillate> 14 19`. The protocol remembers the level of each output
//! type, so a batch is one write. No handshake, no inputs. Facts from the reference
//! implementation.

use bpio_protocol::v4::OutputType;

use super::common::TypedPacket;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "feelingso";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    TypedPacket::framed(packet, &[OutputType::Vibrate, OutputType::Oscillate], false)
}

/// The packet of the levels of vibration and oscillation.
fn packet(levels: &[u8]) -> Vec<u8> {
    // The last two bytes are the same whatever the levels, as the reference sends them.
    [&[0xaa, 0x40, 0x03], levels, &[0x14, 0x19]].concat()
}
