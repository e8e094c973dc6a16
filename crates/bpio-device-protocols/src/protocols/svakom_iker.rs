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

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{Levels, byte_of, tx};
use super::svakom::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol};

/// The database name.
pub(crate) const NAME: &str = "svakom-iker";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Iker { identifier: info.name.to_owned(), levels: Levels::first(2), last: None })
}

#[derive(Debug)]
struct Iker {
    identifier: String,
    /// The main vibrator's level, then the second's.
    levels: Levels,
    /// The last write, the keep-alive.
    last: Option<HardwareCommand>,
}

impl Iker {
    fn writes(&self) -> Vec<HardwareCommand> {
        let (main, second) = (self.levels.at(0), self.levels.at(1));
        if !self.levels.any_running() {
            return vec![tx([0x55, 0x07, 0x00, 0x00, 0x00, 0x00])];
        }
        let mut writes = vec![tx([0x55, 0x03, 0x03, 0x00, 0x01, main])];
        if second > 0 {
            writes.push(tx([0x55, 0x07, 0x00, 0x00, second, 0x00]));
        }
        writes
    }
}

impl Protocol for Iker {
    identified_by_name!();

    no_inputs!();

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
        let writes = self.writes();
        self.last = writes.last().cloned();
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: self.last.iter().cloned().collect(),
            when: KeepaliveWhen::BackendRequires,
        })
    }
}
