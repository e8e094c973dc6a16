//! The We-Vibe firmwares: both motors in one 8-byte packet on `tx`, written with response (the
//! packet layouts are in each protocol's file).

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol, Step};
use crate::protocols::common::Levels;

const STOPPED: [u8; 8] = [0x0f, 0, 0, 0, 0, 0, 0, 0];
const INIT: [[u8; 8]; 2] = [[0x0f, 0x03, 0x00, 0x99, 0x00, 0x03, 0x00, 0x00], STOPPED];

/// How the firmware takes the motor levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Firmware {
    /// Two 4-bit levels in one byte, after an init.
    Classic,
    /// One byte per motor, offset by 3, with a status byte.
    EightBit,
    /// One byte per motor, inner first, with a status byte.
    Chorus,
}

/// The protocol for `firmware`.
pub(crate) fn create_with(firmware: Firmware) -> Box<dyn Protocol> {
    Box::new(WeVibe { firmware, init_sent: INIT.len(), motors: Levels::default() })
}

#[derive(Debug)]
struct WeVibe {
    firmware: Firmware,
    /// Init packets written (all of them when there is no init).
    init_sent: usize,
    motors: Levels,
}

impl WeVibe {
    fn packet(&self) -> [u8; 8] {
        let inner = self.motors.at(0);
        let outer = self.motors.at(if self.motors.len() > 1 { 1 } else { 0 });
        if inner == 0 && outer == 0 {
            return STOPPED;
        }
        let status = u8::from(inner > 0) | u8::from(outer > 0) << 1;
        match self.firmware {
            Firmware::Classic => [0x0f, 0x03, 0x00, outer | inner << 4, 0x00, 0x03, 0x00, 0x00],
            Firmware::EightBit => {
                let [inner, outer] = [inner, outer].map(|level| level.saturating_add(3));
                [0x0f, 0x03, 0x00, outer, inner, status, 0x00, 0x00]
            }
            Firmware::Chorus => [0x0f, 0x03, 0x00, inner, outer, status, 0x00, 0x00],
        }
    }
}

impl Protocol for WeVibe {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        let Some(packet) = INIT.get(self.init_sent) else {
            return Ok(Step::Done);
        };
        self.init_sent += 1;
        Ok(Step::Command(HardwareCommand::write_with_response(Endpoint::Tx, *packet)))
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        self.motors = Levels::of_outputs(definition);
        if self.firmware == Firmware::Classic {
            self.init_sent = 0;
        }
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.motors.apply(batch, &[OutputType::Vibrate])?;
        Ok(vec![HardwareCommand::write_with_response(Endpoint::Tx, self.packet())])
    }
}
