//! Sakuraneko (Korokoro, Nukunuku, Dokidoki, Koikoi): the device name as identifier, no
//! handshake, one 12-byte packet per command on `tx`:
//! `a1 08 01 00 00 00 64 <level> 00 64 df 55` to vibrate and
//! `a2 08 01 00 00 00 64 <level> 00 32 df 55` to rotate (the Koikoi's second feature, one
//! direction only).

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::support::PacketPerCommand;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "sakuraneko";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(PacketPerCommand::new(NAME, info, [], packet))
}

fn packet(output: OutputType, level: u8) -> Option<HardwareCommand> {
    let (command, trailer) = match output {
        OutputType::Vibrate => (0xa1, 0x64),
        OutputType::Rotate => (0xa2, 0x32),
        _ => return None,
    };
    let packet = [command, 0x08, 0x01, 0, 0, 0, 0x64, level, 0, trailer, 0xdf, 0x55];
    Some(HardwareCommand::write(Endpoint::Tx, packet))
}
