//! Pink Punch (Sunset Mushroom, Peachu, Dream Bunny, Peacaron): the device name as identifier,
//! no handshake, `[0x09, level]` per command on `tx`, written with response.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::support::PacketPerCommand;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "pink_punch";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(PacketPerCommand::new(NAME, info, [], packet))
}

fn packet(output: OutputType, level: u8) -> Option<HardwareCommand> {
    (output == OutputType::Vibrate)
        .then(|| HardwareCommand::write_with_response(Endpoint::Tx, [0x09, level]))
}
