//! RealTouch (USB HID, vendor 8020, product 1): every command is a 65-byte output report on
//! `tx`, report id 0 and then the command, padded with zeros.
//!
//! - Init, once configured: an all-zero report, then `0a`, then `06 02 a0 80 e8 03`, each
//!   followed by a wait of up to a second for the device's answer on `rx` (whatever it says;
//!   silence is taken as an answer too).
//! - A move (`HwPositionWithDuration`, positions 0–99) is `02 <belts> <speed> <duration>`: the
//!   belts are both treads together (`0x20`), plus `0x80` when the target is below the previous
//!   one (the first move starts from 0); the duration is in ms, 16-bit little-endian, so longer
//!   moves are sent as the longest it carries (65535). The firmware takes a speed too, from the
//!   distance `d` (a fraction of the stroke) and the duration `t` by the Fleshlight Launch curve,
//!   `250 × (90 t / 100 d)^-1.05`, scaled onto 40–255 (the treads barely move below 40): a move
//!   of no distance has 40, a move of no time 255.
//! - `01 60` stops every component; a stop command has nothing to stop here, since a position
//!   is not a stoppable output.
//!
//! No inputs; identified by the product name. The reference's Rust implementation has no code
//! for this device; these facts are from its earlier C# implementation.

use std::collections::VecDeque;
use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{byte, launch_speed, out_of_range, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol, Step};

/// The database name.
pub(crate) const NAME: &str = "realtouch";

/// Report id and 64 bytes of command.
const REPORT_LENGTH: usize = 65;
/// How long init waits for each answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);
/// The top position.
const TOP: u8 = 99;
/// The move command.
const MOVE: u8 = 0x02;
/// Both treads together.
const BOTH_TREADS: u8 = 0x20;
/// Added to the component for a move backwards.
const BACKWARDS: u8 = 0x80;
/// The slowest speed byte that moves the treads.
const SLOWEST: u8 = 40;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(RealTouch { init: VecDeque::new(), position: 0 })
}

#[derive(Debug)]
struct RealTouch {
    /// The init steps still to take.
    init: VecDeque<Step>,
    /// The last target position.
    position: u8,
}

/// `command` as a report: report id 0, the command, zeros.
fn report(command: &[u8]) -> HardwareCommand {
    let mut report = [0; REPORT_LENGTH];
    for (slot, byte) in report.iter_mut().skip(1).zip(command) {
        *slot = *byte;
    }
    tx(report)
}

/// The speed byte of a move of `from` → `to` in `duration_ms`: the Launch curve from the
/// slowest speed that moves the treads to the byte's top.
fn speed(from: u8, to: u8, duration_ms: u16) -> u8 {
    let launch = launch_speed(from, to, duration_ms.into());
    // A move of no distance (whatever its time) is the slowest; one of no time is infinitely
    // fast, the top of the byte, as is everything past it.
    if launch.is_nan() {
        return SLOWEST;
    }
    let scaled = f64::from(SLOWEST) + f64::from(u8::MAX - SLOWEST) * launch;
    #[allow(clippy::cast_possible_truncation)] // Clamped to the byte's range first.
    let byte = scaled.clamp(0.0, 255.0) as u8;
    byte
}

impl Protocol for RealTouch {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(self.init.pop_front().unwrap_or(Step::Done))
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, _: &[u8]) -> Result<(), ProtocolError> {
        if endpoint == Endpoint::Rx {
            Ok(())
        } else {
            Err(ProtocolError::BadReply { protocol: NAME, reason: "an answer not on rx" })
        }
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        let answer = Step::Await { endpoint: Endpoint::Rx, timeout: ANSWER_TIMEOUT };
        let commands: [&[u8]; 3] = [&[], &[0x0a], &[0x06, 0x02, 0xa0, 0x80, 0xe8, 0x03]];
        self.init = commands
            .into_iter()
            .flat_map(|command| [Step::Command(report(command)), answer.clone()])
            .collect();
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut position = self.position;
        let mut writes = Vec::with_capacity(batch.len());
        for (feature, command) in batch {
            if command.output != OutputType::HwPositionWithDuration {
                return Err(unsupported(*feature, command));
            }
            let target = byte(*feature, command)?;
            if target > TOP {
                return Err(out_of_range(*feature, command));
            }
            let duration = command
                .duration
                .ok_or(ProtocolError::BadDuration { feature: *feature, duration: None })?;
            let duration = u16::try_from(duration).unwrap_or(u16::MAX);
            let belts = if target < position { BOTH_TREADS | BACKWARDS } else { BOTH_TREADS };
            let [low, high] = duration.to_le_bytes();
            writes.push(report(&[MOVE, belts, speed(position, target, duration), low, high]));
            position = target;
        }
        self.position = position;
        Ok(writes)
    }
}
