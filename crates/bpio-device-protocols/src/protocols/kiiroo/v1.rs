//! Kiiroo's first generation (Pearl, Onyx; BLE): a level or a position as text, `<n>,\n` on
//! `tx` without response. Init subscribes to `rx`, then writes `01 00` to `command` (the mode)
//! and `0,` to `tx` (the start), both with response.
//!
//! The Pearl takes its vibration level, 0–4. The Onyx takes a position, 0–4 on the firmware's
//! reversed scale (our 4 is its 0), and goes there at once, so the protocol paces a
//! `HwPositionWithDuration` itself: the way is walked one unit at a time, each unit sent when
//! the straight way over the duration is halfway to it (four units in a second go out at 125,
//! 375, 625 and 875 ms). Units shorter than 50 ms are not paced: the goal is sent at once. A stop
//! ends a way where it is. After 500 ms without writes an idle Onyx is sent its position again,
//! as its firmware expects traffic.
//!
//! The reference implementation lists these devices in its database but has no protocol for
//! them; the facts are from its earlier C# implementation, whose Onyx walks the way in 50 ms
//! ticks, sending the rounded position, and repeats the position every 500 ms when idle.

use std::time::Duration;

use bpio_device_config::{Definition, Feature};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol};
use crate::protocols::common::{byte, out_of_range, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-v1";

/// The top of the firmware's scale (levels and positions).
const TOP: u8 = 4;
/// The shortest time a unit of the way is paced over.
const SHORTEST_UNIT: Duration = Duration::from_millis(50);
const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(500);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let init = [
        HardwareCommand::subscribe(Endpoint::Rx),
        HardwareCommand::write_with_response(Endpoint::Command, [0x01, 0x00]),
        HardwareCommand::write_with_response(Endpoint::Tx, *b"0,"),
    ];
    Box::new(KiirooV1 {
        init: init.to_vec(),
        stroker: false,
        position: 0,
        goal: 0,
        unit: SHORTEST_UNIT,
        halfway: false,
    })
}

#[derive(Debug)]
struct KiirooV1 {
    init: Vec<HardwareCommand>,
    /// An Onyx: a definition with a position output.
    stroker: bool,
    /// Where the Onyx was last sent, on the firmware's scale.
    position: u8,
    /// Where the paced way ends.
    goal: u8,
    /// The time per unit of the way under way.
    unit: Duration,
    /// The next unit is the first of the way: due after half a unit.
    halfway: bool,
}

/// `<n>,\n`, the firmware's command.
fn text(value: u8) -> HardwareCommand {
    tx(format!("{value},\n"))
}

impl KiirooV1 {
    /// Starts the way to `goal` (the firmware's scale) over `duration_ms`; what to send now.
    fn aim(&mut self, goal: u8, duration_ms: u32) -> Option<HardwareCommand> {
        let units = u32::from(self.position.abs_diff(goal));
        if units == 0 {
            self.goal = goal;
            return None;
        }
        let unit = Duration::from_millis(u64::from(duration_ms / units));
        if unit < SHORTEST_UNIT {
            self.position = goal;
            self.goal = goal;
            return Some(text(goal));
        }
        self.goal = goal;
        self.unit = unit;
        self.halfway = true;
        None
    }
}

impl Protocol for KiirooV1 {
    fn init(&self) -> Vec<HardwareCommand> {
        self.init.clone()
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let positions =
            |feature: &Feature| feature.outputs.contains_key(&OutputType::HwPositionWithDuration);
        self.stroker = definition.features.iter().any(positions);
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        if stop {
            // A stop ends a paced way where it is.
            self.goal = self.position;
        }
        let mut writes = Vec::new();
        for (feature, command) in batch {
            let value = byte(*feature, command)?;
            if value > TOP {
                return Err(out_of_range(*feature, command));
            }
            match (command.output, command.duration) {
                (OutputType::Vibrate, _) if !self.stroker => writes.push(text(value)),
                (OutputType::HwPositionWithDuration, Some(ms)) if self.stroker => {
                    writes.extend(self.aim(TOP - value, ms));
                }
                _ => return Err(unsupported(*feature, command)),
            }
        }
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        // While a way is paced, its steps are the traffic.
        let idle = self.position == self.goal;
        self.stroker.then(|| Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: idle.then(|| text(self.position)).into_iter().collect(),
            when: KeepaliveWhen::Always,
        })
    }

    fn poll_timer(&self) -> Option<Duration> {
        let due = if self.halfway { self.unit / 2 } else { self.unit };
        (self.position != self.goal).then_some(due)
    }

    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        if self.position == self.goal {
            return Vec::new();
        }
        self.position = if self.goal > self.position {
            self.position.saturating_add(1)
        } else {
            self.position.saturating_sub(1)
        };
        self.halfway = false;
        vec![text(self.position)]
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bpio_protocol::v4::OutputType;

    use super::{KiirooV1, SHORTEST_UNIT, text};
    use crate::protocol::{HwOutput, Protocol};

    fn onyx() -> KiirooV1 {
        let init = Vec::new();
        KiirooV1 { init, stroker: true, position: 0, goal: 0, unit: SHORTEST_UNIT, halfway: false }
    }

    fn to(value: i32, ms: u32) -> [(u32, HwOutput); 1] {
        let output = OutputType::HwPositionWithDuration;
        [(0, HwOutput { output, value, duration: Some(ms) })]
    }

    #[test]
    fn a_way_goes_a_unit_at_a_time_from_half_a_unit_in_and_a_stop_ends_it() {
        let mut onyx = onyx();
        assert_eq!(onyx.poll_timer(), None, "idle");
        assert_eq!(onyx.encode(&to(0, 1000), false), Ok(Vec::new()));
        assert_eq!(onyx.poll_timer(), Some(Duration::from_millis(125)));
        assert_eq!(onyx.handle_timer(), [text(1)]);
        assert_eq!(onyx.poll_timer(), Some(Duration::from_millis(250)));
        let keepalive = onyx.keepalive().map(|keepalive| keepalive.commands);
        assert_eq!(keepalive, Some(Vec::new()), "the steps are the traffic");
        assert_eq!(onyx.encode(&[], true), Ok(Vec::new()));
        assert_eq!(onyx.poll_timer(), None, "a stop ends the way");
        assert_eq!(onyx.handle_timer(), []);
        assert_eq!(onyx.keepalive().map(|keepalive| keepalive.commands), Some(vec![text(1)]));
    }

    #[test]
    fn a_way_back_counts_down_and_a_new_goal_replaces_the_old() {
        let mut onyx = onyx();
        assert_eq!(onyx.encode(&to(0, 40), false), Ok(vec![text(4)]), "10 ms a unit: at once");
        assert_eq!(onyx.encode(&to(2, 1000), false), Ok(Vec::new()));
        assert_eq!(onyx.poll_timer(), Some(Duration::from_millis(250)));
        assert_eq!(onyx.handle_timer(), [text(3)]);
        assert_eq!(onyx.encode(&to(4, 300), false), Ok(Vec::new()));
        assert_eq!(onyx.poll_timer(), Some(Duration::from_millis(50)));
        assert_eq!(onyx.handle_timer(), [text(2)]);
        assert_eq!(onyx.handle_timer(), [text(1)]);
        assert_eq!(onyx.handle_timer(), [text(0)]);
        assert_eq!(onyx.poll_timer(), None);
    }
}
