//! F-Machine: the machines' remote, button by button. The firmware reports nothing back, so the
//! protocol keeps the machine's state itself and walks it to the wanted speed one press at a
//! time. No identification steps: the advertised name (`FM-G`, `FM-T`, `FM-A`) is the
//! identifier.
//!
//! Every packet is 18 bytes on `tx`, written with response: `<button> 64 00 00 00 00`, the
//! password `31 32 33 34`, seven zeros and a check byte computed from the number `n` of set bits
//! in the 17 bytes before it: `222 - n` when `n % 3 == 0`, `n / 2 + 111` when it is 1 and
//! `n / 3 + 177` when it is 2. A press is the button's packet followed by its release packet.
//! Buttons: power 01 (release 02), faster 05 and slower 06 (both released by 03).
//!
//! The machine remembers its speed while off and starts at it. Init brings that speed to 1 with
//! 55 slower-presses, 60 ms apart (enough from the top speed; it never goes below 1); then the
//! protocol's speed 0 means off and speed `n` means on at `n`. An `Oscillate` command sets the
//! target; each tick of the protocol's timer, 200 ms apart (the machine takes one step per
//! 200 ms), presses power when on/off must change and one speed button towards the target.
//! Between 0 and 1 only the power button acts: the machine is already at speed 1 when it turns
//! on, and stays there when it turns off. (The reference implementation also presses faster
//! when starting from off towards a speed above 1, which leaves its count one below the
//! machine's; this implementation does not.)

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{byte, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol, Step};

/// The database name.
pub(crate) const NAME: &str = "fmachine";

const POWER: u8 = 0x01;
const POWER_RELEASE: u8 = 0x02;
const SPEED_RELEASE: u8 = 0x03;
const FASTER: u8 = 0x05;
const SLOWER: u8 = 0x06;

/// Slower-presses that bring the remembered speed from the top to 1.
const INIT_PRESSES: u8 = 55;
const INIT_PAUSE: Duration = Duration::from_millis(60);
const TICK: Duration = Duration::from_millis(200);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(FMachine { init: Init::Identified, on: false, speed: 0, target: 0 })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Init {
    /// Identification (no steps) is over; the presses start once configured.
    Identified,
    /// Press slower; `done` presses so far.
    Press {
        done: u8,
    },
    /// Its release.
    Release {
        done: u8,
    },
    /// The pause after it.
    Pause {
        done: u8,
    },
    Done,
}

#[derive(Debug)]
struct FMachine {
    init: Init,
    /// Whether the machine runs.
    on: bool,
    /// The speed the protocol has walked the machine to; 0 while off.
    speed: u8,
    /// The speed the client asked for.
    target: u8,
}

/// The 18-byte packet of `button`.
fn packet(button: u8) -> [u8; 18] {
    let mut packet = [0u8; 18];
    let body = [button, 0x64, 0x00, 0x00, 0x00, 0x00, 0x31, 0x32, 0x33, 0x34];
    for (slot, value) in packet.iter_mut().zip(body) {
        *slot = value;
    }
    let bits: u32 = packet.iter().map(|value| value.count_ones()).sum();
    let check = match bits % 3 {
        0 => 222 - bits,
        1 => bits / 2 + 111,
        _ => bits / 3 + 177,
    };
    // At most 17 × 8 = 136 bits, so the check is below 256.
    if let Some(last) = packet.last_mut() {
        *last = u8::try_from(check).unwrap_or(u8::MAX);
    }
    packet
}

/// A press: the button, then its release.
fn press(button: u8, release: u8) -> [HardwareCommand; 2] {
    [tx_acked(packet(button)), tx_acked(packet(release))]
}

impl FMachine {
    fn needs_tick(&self) -> bool {
        self.on != (self.target > 0) || self.speed != self.target
    }
}

impl Protocol for FMachine {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(match self.init {
            Init::Press { done } if done < INIT_PRESSES => {
                self.init = Init::Release { done };
                Step::Command(tx_acked(packet(SLOWER)))
            }
            Init::Press { .. } | Init::Done => {
                self.init = Init::Done;
                Step::Done
            }
            Init::Identified => Step::Done,
            Init::Release { done } => {
                self.init = Init::Pause { done };
                Step::Command(tx_acked(packet(SPEED_RELEASE)))
            }
            // The machine sends nothing back and `rx` is never subscribed, so the wait always
            // runs its full length: it paces the presses.
            Init::Pause { .. } => Step::Await { endpoint: Endpoint::Rx, timeout: INIT_PAUSE },
        })
    }

    fn handle_step_data(&mut self, _: Endpoint, _: &[u8]) -> Result<(), ProtocolError> {
        self.handle_step_timeout()
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        if let Init::Pause { done } = self.init {
            self.init = Init::Press { done: done.saturating_add(1) };
        }
        Ok(())
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.init = Init::Press { done: 0 };
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut target = self.target;
        for (feature, command) in batch {
            if command.output != OutputType::Oscillate || *feature != 0 {
                return Err(unsupported(*feature, command));
            }
            target = byte(*feature, command)?;
        }
        // The timer's next tick acts on it: presses stay 200 ms apart.
        self.target = target;
        Ok(Vec::new())
    }

    fn poll_timer(&self) -> Option<Duration> {
        self.needs_tick().then_some(TICK)
    }

    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        let mut writes = Vec::new();
        if self.on != (self.target > 0) {
            writes.extend(press(POWER, POWER_RELEASE));
            self.on = !self.on;
        }
        if self.speed != self.target {
            let next = if self.target > self.speed {
                self.speed.saturating_add(1)
            } else {
                self.speed.saturating_sub(1)
            };
            if self.speed > 0 && next > 0 {
                let button = if next > self.speed { FASTER } else { SLOWER };
                writes.extend(press(button, SPEED_RELEASE));
            }
            self.speed = next;
        }
        writes
    }
}

#[cfg(test)]
mod tests {
    use super::packet;

    #[test]
    fn check_byte_follows_the_bit_count() {
        // 16 set bits in the fixed bytes, plus the button's.
        let check = |button: u8| packet(button).last().copied();
        assert_eq!(check(0x00), Some(16 / 2 + 111));
        assert_eq!(check(0x01), Some(17 / 3 + 177));
        assert_eq!(check(0x03), Some(222 - 18));
        assert_eq!(check(0x07), Some(19 / 2 + 111));
    }
}
