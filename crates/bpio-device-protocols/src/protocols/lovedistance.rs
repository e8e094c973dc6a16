//! Love Distance (Reach, Mag, Span, Range, Grasp, …): the device name as identifier, two init
//! writes on `tx` (`[0xf3, 0x00, 0x00]`, then `[0xf4, 0x01]`), and `[0xf3, 0x00, level]` per
//! command, levels 0–121.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::support::PacketPerCommand;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "lovedistance";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let init = [
        HardwareCommand::write(Endpoint::Tx, [0xf3, 0x00, 0x00]),
        HardwareCommand::write(Endpoint::Tx, [0xf4, 0x01]),
    ];
    Box::new(PacketPerCommand::new(NAME, info, init, packet))
}

fn packet(output: OutputType, level: u8) -> Option<HardwareCommand> {
    (output == OutputType::Vibrate)
        .then(|| HardwareCommand::write(Endpoint::Tx, [0xf3, 0x00, level]))
}
