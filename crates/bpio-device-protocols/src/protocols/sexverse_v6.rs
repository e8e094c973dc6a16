//! Sexverse V6 (Aether, Sirius; BLE): `[aa 03 03 <vibrate> <oscillate> <constrict>]` on `tx`,
//! without response, each level the last one of its type whichever feature set it (the
//! [`super::cowgirl::TypedPacket`] state machine). No handshake, no inputs; the identifier is the
//! advertised name.

use bpio_protocol::v4::OutputType;

use super::cowgirl::TypedPacket;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "sexverse-v6";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let types = [OutputType::Vibrate, OutputType::Oscillate, OutputType::Constrict];
    TypedPacket::create(NAME, info, &[0xaa, 0x03, 0x03], &types, false)
}
