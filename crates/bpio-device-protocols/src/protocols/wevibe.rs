//! We-Vibe (BLE): both motors in one 8-byte packet on `tx`, written with response. The classic
//! firmware packs two 4-bit levels into one byte; the 8-bit and Chorus firmwares (`wevibe-8bit`
//! and `wevibe-chorus`, whose modules build on this one) give each motor a byte.
//!
//! Facts from the reference implementation. The inner motor is feature 0; the outer one is
//! feature 1, or feature 0 again on single-motor toys. Both at 0 is `[0f 00 00 00 00 00 00 00]`;
//! otherwise:
//! - classic: `[0f 03 00 <outer | inner << 4> 00 03 00 00]`, after an init of
//!   `[0f 03 00 99 00 03 00 00]` then `[0f 00 00 00 00 00 00 00]`;
//! - 8-bit: `[0f 03 00 <outer + 3> <inner + 3> <status> 00 00]`, status bit 0 set when the
//!   inner motor runs and bit 1 when the outer one does; no init;
//! - Chorus: `[0f 03 00 <inner> <outer> <status> 00 00]`, the status as for 8-bit; no init.
//!
//! Every packet carries both motors, so a batch is one write. No inputs, no keep-alive; the
//! identifier is the advertised name.

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{Levels, no_step_data};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol, Step};

/// The database name.
pub(crate) const NAME: &str = "wevibe";

const STOPPED: [u8; 8] = [0x0f, 0, 0, 0, 0, 0, 0, 0];
const INIT: [[u8; 8]; 2] = [[0x0f, 0x03, 0x00, 0x99, 0x00, 0x03, 0x00, 0x00], STOPPED];

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    create_with(info, Firmware::Classic)
}

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
pub(crate) fn create_with(info: &DeviceInfo<'_>, firmware: Firmware) -> Box<dyn Protocol> {
    Box::new(WeVibe {
        name: info.name.to_owned(),
        firmware,
        init_sent: INIT.len(),
        motors: Levels::default(),
    })
}

#[derive(Debug)]
struct WeVibe {
    name: String,
    firmware: Firmware,
    /// Init packets written (all of them when there is no init).
    init_sent: usize,
    motors: Levels,
}

impl WeVibe {
    fn firmware_name(&self) -> &'static str {
        match self.firmware {
            Firmware::Classic => NAME,
            Firmware::EightBit => super::wevibe_8bit::NAME,
            Firmware::Chorus => super::wevibe_chorus::NAME,
        }
    }

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

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        no_step_data(self.firmware_name(), endpoint, data)
    }

    fn identifier(&self) -> Option<&str> {
        Some(&self.name)
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

    no_inputs!();
}
