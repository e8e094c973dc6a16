//! Amorelie Joy (Move, Cha-Cha, Boogie, Shimmer, …): the device name as identifier, one init
//! write `[0x03]` on `tx`, then `[0x01, 0x01, level]` per command (pattern 1 is a steady
//! vibration).

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::support::PacketPerCommand;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "amorelie-joy";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let init = [HardwareCommand::write(Endpoint::Tx, [0x03])];
    Box::new(PacketPerCommand::new(NAME, info, init, packet))
}

fn packet(output: OutputType, level: u8) -> Option<HardwareCommand> {
    (output == OutputType::Vibrate)
        .then(|| HardwareCommand::write(Endpoint::Tx, [0x01, 0x01, level]))
}
