//! Sexverse V6 (Aether, Sirius; BLE): `[aa 03 03 <vibrate> <oscillate> <constrict>]` on `tx`,
//! without response, each level the last one of its type whichever feature set it (the
//! [`TypedPacket`] state machine). No handshake, no inputs; the identifier is the
//! advertised name.

use bpio_protocol::v4::OutputType;

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::common::TypedPacket;

/// The database name.
pub(crate) const NAME: &str = "sexverse-v6";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let types = [OutputType::Vibrate, OutputType::Oscillate, OutputType::Constrict];
    TypedPacket::create(&[0xaa, 0x03, 0x03], &types, false)
}
