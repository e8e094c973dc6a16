//! Umove: strokers with a vibrator and a heater, all on `tx` without response. No handshake;
//! the identifier is the model code in the advertised name, its third and fourth characters
//! (`UMVxB…` is `Vx`).
//!
//! Motion packet, 16 bytes: `5a a5 55 00`, the vibrator speed (u16 little endian), `01 00`, a
//! packet counter (u32 LE, from 0, one more per motion packet) and the position (u32 LE). Every
//! motion packet carries both the speed and the position, so a batch setting both is one
//! write. Heat packet: `5a a5 55 06 ff ff 00 00 ff ff ff ff <level> ff`.
//!
//! The firmware goes to each position at once, so the protocol paces `HwPositionWithDuration`
//! itself: the way is cut into one step per 100 ms of the duration (at least one step, at
//! least one unit each), the first step goes out with the command and the rest on the
//! protocol's timer, 100 ms apart, never past the goal. (The reference implementation cuts the
//! way the same but sends its steps about 50 ms apart, halving the duration.) A speed change
//! during a movement rides on the next step; `Position` goes at once and ends a movement.
//! The firmware expects traffic: after 500 ms without writes the keep-alive repeats the last
//! packet written, whatever it was, as the reference does. Before any command that is the last
//! packet of the stop the reference writes when the device connects (the heat packet at level
//! 0, after a motion packet at speed 0 that used counter 0), so the first motion packet a
//! client causes carries counter 1, as with the reference.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{byte, no_step_data, out_of_range, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, Keepalive, KeepaliveWhen, Protocol};

/// The database name.
pub(crate) const NAME: &str = "umove";

const STEP: Duration = Duration::from_millis(100);
const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(500);

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Umove {
        identifier: info.name.get(2..4).map(str::to_owned),
        state: Motion::default(),
        counter: 0,
        last: None,
    })
}

/// What the motion packet carries, and the movement under way.
#[derive(Debug, Clone, Copy, Default)]
struct Motion {
    speed: u16,
    position: u32,
    goal: u32,
    /// Signed distance per step while `position != goal`.
    step: i64,
}

#[derive(Debug)]
struct Umove {
    identifier: Option<String>,
    state: Motion,
    counter: u32,
    /// The last packet written, which the keep-alive repeats.
    last: Option<Vec<u8>>,
}

impl Motion {
    fn moving(&self) -> bool {
        self.position != self.goal
    }

    /// Plans a movement to `goal` in `duration_ms`, one step per 100 ms.
    fn aim(&mut self, goal: u32, duration_ms: u32) {
        self.goal = goal;
        let steps = i64::from((duration_ms / 100).max(1));
        let distance = i64::from(goal) - i64::from(self.position);
        self.step = distance / steps;
        if self.step == 0 {
            self.step = distance.signum();
        }
    }

    /// One step towards the goal, never past it.
    fn advance(&mut self) {
        let next = i64::from(self.position).saturating_add(self.step);
        let bounded = if self.step < 0 {
            next.max(i64::from(self.goal))
        } else {
            next.min(i64::from(self.goal))
        };
        self.position = u32::try_from(bounded).unwrap_or(self.goal);
    }
}

impl Umove {
    /// The motion packet for the current state; counts it.
    fn motion_packet(&mut self) -> HardwareCommand {
        let mut packet = vec![0x5a, 0xa5, 0x55, 0x00];
        packet.extend(self.state.speed.to_le_bytes());
        packet.extend(1u16.to_le_bytes());
        packet.extend(self.counter.to_le_bytes());
        packet.extend(self.state.position.to_le_bytes());
        self.counter = self.counter.wrapping_add(1);
        self.last = Some(packet.clone());
        tx(packet)
    }

    /// The heater packet for `level`.
    fn heat_packet(&mut self, level: u8) -> HardwareCommand {
        let packet = vec![
            0x5a, 0xa5, 0x55, 0x06, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, level, 0xff,
        ];
        self.last = Some(packet.clone());
        tx(packet)
    }
}

impl Protocol for Umove {
    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        no_step_data(NAME, endpoint, data)
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::found(self.identifier.as_deref())
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        // The reference's stop at connection: a motion packet at rest, then the heat off.
        let has = |kind| definition.features.iter().any(|f| f.outputs.contains_key(&kind));
        if has(OutputType::Vibrate) {
            let _ = self.motion_packet();
        }
        if has(OutputType::Temperature) {
            let _ = self.heat_packet(0);
        }
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut state = self.state;
        // Whether the batch needs a motion packet now, and whether it starts a movement.
        let mut send = false;
        let mut started = false;
        let mut heat = None;
        for (feature, command) in batch {
            let bad = || out_of_range(*feature, command);
            match (command.output, command.duration) {
                (OutputType::Vibrate, _) => {
                    state.speed = u16::try_from(command.value).map_err(|_| bad())?;
                    send = true;
                }
                (OutputType::Position, _) => {
                    let position = u32::try_from(command.value).map_err(|_| bad())?;
                    state = Motion { position, goal: position, step: 0, ..state };
                    send = true;
                }
                (OutputType::HwPositionWithDuration, Some(ms)) => {
                    state.aim(u32::try_from(command.value).map_err(|_| bad())?, ms);
                    send = true;
                    started = true;
                }
                (OutputType::Temperature, _) => heat = Some(byte(*feature, command)?),
                _ => return Err(unsupported(*feature, command)),
            }
        }
        let mut writes = Vec::new();
        // A speed change while moving waits for the next step, which carries it.
        let waits_for_step = self.state.moving() && !started && state.moving();
        if send && !waits_for_step {
            if state.moving() {
                state.advance();
            }
            self.state = state;
            writes.push(self.motion_packet());
        } else {
            self.state = state;
        }
        if let Some(level) = heat {
            writes.push(self.heat_packet(level));
        }
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: self.last.iter().map(|packet| tx(packet.clone())).collect(),
            when: KeepaliveWhen::Always,
        })
    }

    fn poll_timer(&self) -> Option<Duration> {
        self.state.moving().then_some(STEP)
    }

    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        if !self.state.moving() {
            return Vec::new();
        }
        self.state.advance();
        vec![self.motion_packet()]
    }
}
