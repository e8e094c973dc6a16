//! Mizz Zee v3 (XHTKJ; BLE): one 20-byte packet on `tx`, written with response; no inputs,
//! identified by the advertised name. Facts from the reference implementation:
//!
//! - a running motor at level `l` (1–1000) takes
//!   `[03 12 f3 | 00 fc 00 fe 40 01 | w w | 00 fc 00 fe 40 01 | w w | 00]`, where `w w` is the
//!   little-endian word `s << 6 | 0x3c` and `s` the motor's 10-bit strength: its scale starts at
//!   30 %, so `s = (0.3 + 0.7 l / 1000) × 1023` rounded down (307 at level 1, 1023 at 1000);
//! - level 0 is `[03 12]` followed by eighteen zeros, the stop packet, which init sends once as
//!   the reference does when the device connects;
//! - the firmware wants steady traffic: after 200 ms without writes the keep-alive repeats the
//!   last packet written, the stop included, as the reference does.

use std::time::Duration;

use bpio_hardware::HardwareCommand;

use super::common::vibrator_only;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol};
use crate::protocols::common::{out_of_range, tx_acked};

/// The database name.
pub(crate) const NAME: &str = "mizzzee-v3";

const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(200);
/// The top of the level range the packet encodes.
const TOP: u32 = 1000;
const PACKET_LENGTH: usize = 20;
const STOP: [u8; PACKET_LENGTH] = {
    let mut packet = [0; PACKET_LENGTH];
    packet[0] = 0x03;
    packet[1] = 0x12;
    packet
};
/// What surrounds each copy of the strength word in a running packet.
const FILL: [u8; 6] = [0x00, 0xfc, 0x00, 0xfe, 0x40, 0x01];

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MizzZeeV3 { last: STOP })
}

#[derive(Debug)]
struct MizzZeeV3 {
    /// The last packet written, which the keep-alive repeats.
    last: [u8; PACKET_LENGTH],
}

/// The packet for `level` (0–1000).
fn packet(level: u32) -> [u8; PACKET_LENGTH] {
    if level == 0 {
        return STOP;
    }
    let strength = (7 * level + 3000) * 1023 / 10_000;
    let word = u16::try_from(strength << 6 | 0x3c).unwrap_or(u16::MAX).to_le_bytes();
    let mut packet = [0; PACKET_LENGTH];
    let parts: [&[u8]; 6] = [&[0x03, 0x12, 0xf3], &FILL, &word, &FILL, &word, &[0x00]];
    for (slot, byte) in packet.iter_mut().zip(parts.into_iter().flatten()) {
        *slot = *byte;
    }
    packet
}

impl Protocol for MizzZeeV3 {
    fn init(&self) -> Vec<HardwareCommand> {
        vec![tx_acked(STOP)]
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut packets = Vec::with_capacity(batch.len());
        for (feature, command) in batch {
            vibrator_only(*feature, command)?;
            let level = u32::try_from(command.value)
                .ok()
                .filter(|level| *level <= TOP)
                .ok_or_else(|| out_of_range(*feature, command))?;
            packets.push(packet(level));
        }
        if let Some(last) = packets.last() {
            self.last = *last;
        }
        Ok(packets.into_iter().map(tx_acked).collect())
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: vec![tx_acked(self.last)],
            when: KeepaliveWhen::Always,
        })
    }
}
