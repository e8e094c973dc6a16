//! JoyHub (BLE, `tx`): one packet for all four motors, one packet per other output.
//!
//! The feature index says what a feature drives (facts from the reference implementation):
//! - indexes 0 to 3 are motor slots. Vibrate, rotate and oscillate all set their slot's speed,
//!   and a change writes `[a0 03 m0 m1 m2 m3 aa]` with the last speed of every slot, so a batch
//!   of several motors is one write;
//! - constrict at index 4 writes `[a0 07 on 00 level ff]` (`on` is 1 unless the level is 0), at
//!   any other index `[a0 0d 00 00 level ff]`;
//! - temperature, LED and spray are switches: `[a0 <code> 01 00 01 ff]` on and
//!   `[a0 <code> 00 00 00 00]` off, with codes 04, 14 and 24;
//! - spray is momentary: turning it on arms the protocol's timer, which turns it off a second
//!   later.
//!
//! Motor packets come first in a batch, then the others in feature order. No handshake, no
//! inputs, no keep-alive; the identifier is the advertised name.

use std::time::Duration;

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{Levels, magnitude, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "joyhub";

const MOTOR_SLOTS: u32 = 4;
const SPRAY_TIME: Duration = Duration::from_secs(1);
const TEMPERATURE: u8 = 0x04;
const LED: u8 = 0x14;
const SPRAY: u8 = 0x24;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(JoyHub { motors: Levels::new(0..MOTOR_SLOTS), spraying: false })
}

#[derive(Debug)]
struct JoyHub {
    motors: Levels,
    /// A spray is on and the timer will turn it off.
    spraying: bool,
}

fn write(data: Vec<u8>) -> HardwareCommand {
    HardwareCommand::write(Endpoint::Tx, data)
}

fn switch(code: u8, on: bool) -> HardwareCommand {
    if on {
        write(vec![0xa0, code, 0x01, 0x00, 0x01, 0xff])
    } else {
        write(vec![0xa0, code, 0, 0, 0, 0])
    }
}

impl JoyHub {
    fn motor_packet(&self) -> HardwareCommand {
        let mut data = vec![0xa0, 0x03];
        data.extend(self.motors.levels());
        data.push(0xaa);
        write(data)
    }
}

impl Protocol for JoyHub {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut motors = self.motors.clone();
        let mut motor_changed = false;
        let mut spraying = self.spraying;
        let mut others = Vec::new();
        for (feature, command) in batch {
            let value = magnitude(*feature, command)?;
            match command.output {
                OutputType::Vibrate | OutputType::Rotate | OutputType::Oscillate => {
                    if !motors.set(*feature, value) {
                        return Err(unsupported(*feature, command));
                    }
                    motor_changed = true;
                }
                OutputType::Constrict if *feature == 4 => {
                    others.push(write(vec![0xa0, 0x07, u8::from(value > 0), 0x00, value, 0xff]));
                }
                OutputType::Constrict => others.push(write(vec![0xa0, 0x0d, 0, 0, value, 0xff])),
                OutputType::Temperature => others.push(switch(TEMPERATURE, value > 0)),
                OutputType::Led => others.push(switch(LED, value > 0)),
                OutputType::Spray => {
                    spraying = value > 0;
                    others.push(switch(SPRAY, spraying));
                }
                _ => return Err(unsupported(*feature, command)),
            }
        }
        self.motors = motors;
        self.spraying = spraying;
        let mut writes = Vec::with_capacity(others.len() + 1);
        if motor_changed {
            writes.push(self.motor_packet());
        }
        writes.extend(others);
        Ok(writes)
    }

    fn poll_timer(&self) -> Option<Duration> {
        self.spraying.then_some(SPRAY_TIME)
    }

    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        if !std::mem::take(&mut self.spraying) {
            return Vec::new();
        }
        vec![switch(SPRAY, false)]
    }
}
