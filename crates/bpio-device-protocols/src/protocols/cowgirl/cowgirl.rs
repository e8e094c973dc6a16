//! The Cowgirl and The Unicorn (BLE): `[00 01 <vibrate> <rotate>]` on `tx`, with response; every
//! packet carries the last level of both, whichever feature set them. A batch is one packet. No
//! handshake, no inputs; the identifier is the advertised name.

use bpio_protocol::v4::OutputType;

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::common::TypedPacket;

/// The database name.
pub(crate) const NAME: &str = "cowgirl";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let types = [OutputType::Vibrate, OutputType::Rotate];
    TypedPacket::create(&[0x00, 0x01], &types, true)
}
