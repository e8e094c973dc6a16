//! Galaku pumps (Nebula; BLE): the scrambled packet of [`super::common::packet`] with the payload
//! `5a 00 00 01 60 03 <oscillate> <vibrate> 00 00`, written to `tx` with response. Each level is
//! the last one of its output type, whichever feature set it (the
//! [`TypedPacket`] state machine), so a batch is one write. No handshake, no
//! inputs; the identifier is the advertised name.

use bpio_protocol::v4::OutputType;

use super::common::packet as scrambled;
use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::common::TypedPacket;

/// The database name.
pub(crate) const NAME: &str = "galaku-pump";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let types = [OutputType::Oscillate, OutputType::Vibrate];
    TypedPacket::framed(packet, &types, true)
}

/// The scrambled packet for the levels of oscillation and vibration.
fn packet(levels: &[u8]) -> Vec<u8> {
    let mut payload = [0x5a, 0x00, 0x00, 0x01, 0x60, 0x03, 0x00, 0x00, 0x00, 0x00];
    for (slot, level) in payload.iter_mut().skip(6).zip(levels) {
        *slot = *level;
    }
    scrambled(payload)
}
