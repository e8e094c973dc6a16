//! The state machine of the Kiiroo V2.1 protocols, and of `kiiroo-v2` and `kiiroo-v3`.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol};
use crate::protocols::common::{self, BatteryRead, byte, unsupported};

/// Where the Pearl 2.1 (and the Keon of `kiiroo-v3`) keeps its battery level.
pub(crate) const BATTERY: BatteryRead =
    BatteryRead { endpoint: Endpoint::Whitelist, length: 20, at: 5 };

/// The packets a generation takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Packets {
    /// V2.1: vibrate `[01 level]`, stroke `[03 00 speed position]`.
    V21,
    /// V2 (`kiiroo-v2`): stroke `[position speed]`, nothing else.
    V2,
}

/// The state machine of the V2.1 protocols, and of `kiiroo-v2` and `kiiroo-v3`.
#[derive(Debug)]
pub(crate) struct KiirooV21 {
    init: Vec<HardwareCommand>,
    battery: Option<BatteryRead>,
    packets: Packets,
    /// The last position target, where the next move starts.
    position: u8,
}

impl KiirooV21 {
    /// A device of `protocol` that needs the `init` writes and may have a battery.
    pub(crate) fn new(init: Vec<HardwareCommand>, battery: Option<BatteryRead>) -> Self {
        Self { init, battery, packets: Packets::V21, position: 0 }
    }

    /// The same, taking the packets of `packets`.
    pub(crate) fn with_packets(self, packets: Packets) -> Self {
        Self { packets, ..self }
    }
}

/// The Launch-family speed byte for a move of `from` → `to` (positions 0–99) in `duration_ms`.
fn launch_speed(from: u8, to: u8, duration_ms: u32) -> u8 {
    let speed = 99.0 * common::launch_speed(from, to, duration_ms);
    // No distance gives speed 0 or, with no time either, NaN: both are 0. A zero duration over
    // a distance is infinitely fast: the byte's top.
    if speed.is_nan() {
        return 0;
    }
    #[allow(clippy::cast_possible_truncation)] // Clamped to the byte's range first.
    let byte = speed.clamp(0.0, 255.0) as u8;
    byte
}

impl Protocol for KiirooV21 {
    fn battery(&self) -> Option<BatteryRead> {
        self.battery
    }

    fn init(&self) -> Vec<HardwareCommand> {
        self.init.clone()
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut position = self.position;
        let mut writes = Vec::with_capacity(batch.len());
        for (feature, command) in batch {
            let value = byte(*feature, command)?;
            let data = match (command.output, command.duration, self.packets) {
                (OutputType::Vibrate, _, Packets::V21) => vec![0x01, value],
                (OutputType::HwPositionWithDuration, Some(ms), packets) => {
                    let speed = launch_speed(position, value, ms);
                    position = value;
                    match packets {
                        Packets::V21 => vec![0x03, 0x00, speed, value],
                        Packets::V2 => vec![value, speed],
                    }
                }
                _ => return Err(unsupported(*feature, command)),
            };
            writes.push(HardwareCommand::write(Endpoint::Tx, data));
        }
        self.position = position;
        Ok(writes)
    }
}

#[cfg(test)]
mod tests {
    use super::launch_speed;

    #[test]
    fn launch_speed_follows_the_curve_and_its_edges() {
        assert_eq!(launch_speed(0, 99, 500), 40);
        assert_eq!(launch_speed(99, 0, 1000), 19);
        assert_eq!(launch_speed(0, 50, 300), 33);
        assert_eq!(launch_speed(0, 99, 100), 219, "fast moves pass 99");
        assert_eq!(launch_speed(0, 99, 0), 255, "no time: the byte's top");
        assert_eq!(launch_speed(40, 40, 400), 0, "no distance");
        assert_eq!(launch_speed(40, 40, 0), 0, "neither distance nor time");
    }
}
