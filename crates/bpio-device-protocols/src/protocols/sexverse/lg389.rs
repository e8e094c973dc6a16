//! Sexverse LG389 (BLE): one 10-byte packet on `tx`, written with response, carries both
//! motors: `[aa 05 <vibrate> 14 <anchor> 00 <stroke> 00 <oscillate> 00]`. While the oscillator
//! runs, the firmware is asked to anchor its movement at the base (`anchor` 1) over the full
//! stroke (`stroke` 4); both are 0 when it stands. Each level is the last one of its output
//! type, whichever feature set it (the [`TypedPacket`] state machine), so a
//! batch is one write. No handshake, no inputs; the identifier is the advertised name. Facts
//! from the reference implementation.

use bpio_protocol::v4::OutputType;

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::common::TypedPacket;

/// The database name.
pub(crate) const NAME: &str = "sexverse-lg389";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let types = [OutputType::Vibrate, OutputType::Oscillate];
    TypedPacket::framed(packet, &types, true)
}

/// The packet for the levels of vibration and oscillation.
fn packet(levels: &[u8]) -> Vec<u8> {
    let [vibrate, oscillate] = <[u8; 2]>::try_from(levels).unwrap_or_default();
    let (anchor, stroke) = if oscillate == 0 { (0x00, 0x00) } else { (0x01, 0x04) };
    vec![0xaa, 0x05, vibrate, 0x14, anchor, 0x00, stroke, 0x00, oscillate, 0x00]
}
