//! Fredorch rotary machines (BLE, named `M1_…`): framed packets on `tx`, without response,
//! `55 <length> <payload> <sum> aa`, where the length counts the payload plus two and the sum
//! is that of the length and payload bytes.
//!
//! Facts from the reference implementation:
//! - init subscribes to `rx`, then sends four packets, each followed by a wait of up to 100 ms
//!   for a notification on `rx` (the device may not answer): the handshake `99`, the password
//!   `21 00 00 00 00 00 00`, power up `1f`, stop `24`.
//! - the firmware has no speed command, only buttons: `01` one step faster, `02` one step
//!   slower, `24` stop. The protocol remembers the machine's speed and presses towards each new
//!   target until it is reached, one press per step, all at once; 0 is a stop press, after
//!   which the speed is 0.
//!
//! The firmware reports no state: a machine that beeps twice has powered off and must be
//! reconnected before it follows commands again. No inputs; the identifier is the advertised
//! name.

use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{EchoedInit, Encoder, Fredorch};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{Levels, byte_of, tx};

/// The database name.
pub(crate) const NAME: &str = "fredorch-rotary";

const ANSWER_TIMEOUT: Duration = Duration::from_millis(100);
const FASTER: u8 = 0x01;
const SLOWER: u8 = 0x02;
const STOP: u8 = 0x24;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let init = [&[0x99][..], &[0x21, 0, 0, 0, 0, 0, 0], &[0x1f], &[STOP]].map(frame);
    let init = EchoedInit::new(NAME, init, ANSWER_TIMEOUT, false);
    Fredorch::create(init, Presses { target: Levels::first(1), speed: 0 })
}

/// The encoding of speeds as button presses.
#[derive(Debug)]
struct Presses {
    target: Levels,
    /// The speed the machine runs at, as far as the presses sent tell.
    speed: u8,
}

/// The framed packet of `payload`.
fn frame(payload: &[u8]) -> Vec<u8> {
    // Payloads are a few bytes: the length always fits.
    let length = u8::try_from(payload.len() + 2).unwrap_or(u8::MAX);
    let sum = payload.iter().fold(length, |sum, byte| sum.wrapping_add(*byte));
    let mut packet = vec![0x55, length];
    packet.extend(payload);
    packet.extend([sum, 0xaa]);
    packet
}

fn press(button: u8) -> HardwareCommand {
    tx(frame(&[button]))
}

impl Encoder for Presses {
    fn encode(&mut self, batch: &[(u32, HwOutput)]) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.target.apply_with(batch, byte_of(&[OutputType::Oscillate]))?;
        let target = self.target.at(0);
        if target == 0 {
            self.speed = 0;
            return Ok(vec![press(STOP)]);
        }
        let button = if target > self.speed { FASTER } else { SLOWER };
        let presses = self.speed.abs_diff(target);
        self.speed = target;
        Ok(vec![press(button); usize::from(presses)])
    }
}

#[cfg(test)]
mod tests {
    use super::frame;

    #[test]
    fn frames_carry_length_and_sum() {
        assert_eq!(frame(&[0x99]), [0x55, 0x03, 0x99, 0x9c, 0xaa]);
        assert_eq!(
            frame(&[0x21, 0, 0, 0, 0, 0, 0]),
            [0x55, 0x09, 0x21, 0, 0, 0, 0, 0, 0, 0x2a, 0xaa]
        );
        assert_eq!(frame(&[0xff, 0x02]), [0x55, 0x04, 0xff, 0x02, 0x05, 0xaa], "the sum wraps");
    }
}
