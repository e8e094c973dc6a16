//! Svakom Iker (BLE): two vibrators on `tx`, written without response. No handshake, no inputs;
//! the identifier is the advertised name.
//!
//! Facts from the reference implementation. The protocol remembers both levels; a batch sets
//! some of them, then:
//! - when both are 0, one write `55 07 00 00 00 00`;
//! - otherwise the main vibrator (feature 0) `55 03 03 00 01 <level>`, even at level 0, followed
//!   while the second runs by `55 07 00 00 <level> 00`.
//!
//! When the backend needs traffic, the last packet is repeated after 5 s without writes.

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, Protocol};
use crate::protocols::common::{Levels, RepeatLast, byte_of, connection_stop, tx};

/// The database name.
pub(crate) const NAME: &str = "svakom-iker";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Iker { levels: Levels::first(2), repeat: RepeatLast::new(KEEPALIVE_INTERVAL) })
}

#[derive(Debug)]
struct Iker {
    /// The main vibrator's level, then the second's.
    levels: Levels,
    repeat: RepeatLast,
}

impl Iker {
    /// The writes that put the motors at their levels.
    fn writes(&self) -> Vec<HardwareCommand> {
        if !self.levels.any_running() {
            return vec![tx([0x55, 0x07, 0x00, 0x00, 0x00, 0x00])];
        }
        let mut writes = vec![tx([0x55, 0x03, 0x03, 0x00, 0x01, self.levels.at(0)])];
        let second = self.levels.at(1);
        if second > 0 {
            writes.push(tx([0x55, 0x07, 0x00, 0x00, second, 0x00]));
        }
        writes
    }
}

impl Protocol for Iker {
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        // Only the keep-alive keeps what it writes: the levels are at rest already.
        let _ = self.encode(&connection_stop(definition), true);
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
        let writes = self.writes();
        self.repeat.note(&writes);
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(self.repeat.keepalive())
    }
}
