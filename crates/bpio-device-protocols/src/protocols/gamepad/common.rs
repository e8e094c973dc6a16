//! What the gamepad protocols share: the packet bpio's gamepad backends take on `tx`, and the
//! battery they give on `rx`.
//!
//! The packet is 8 bytes, four motor levels, each a little-endian `u16` from 0 (off) to 65535:
//! the low-frequency (strong, large) motor, the high-frequency (weak, small) motor, then the left
//! and the right trigger's motor (the slots of the reference's SDL backend). Every motor is in
//! every packet, so each write carries the last level of the motors a batch leaves alone. A
//! battery read of `rx` gives 1 byte, the level in percent.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::HwOutput;
use crate::protocols::common::{BatteryRead, out_of_range, tx, unsupported};

/// The battery: one byte read from `rx`, in percent.
pub(super) const BATTERY: BatteryRead = BatteryRead { endpoint: Endpoint::Rx, length: 1, at: 0 };

/// The slot of each motor in the packet.
pub(super) const LOW_FREQUENCY: usize = 0;
pub(super) const HIGH_FREQUENCY: usize = 1;
pub(super) const LEFT_TRIGGER: usize = 2;
pub(super) const RIGHT_TRIGGER: usize = 3;

/// The last level of every motor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Rumble {
    levels: [u16; 4],
}

impl Rumble {
    /// Takes every command of `batch`, each on the slot `slot` gives for its feature, and gives
    /// the packet; a batch with a command the pad cannot do changes nothing.
    pub(super) fn apply(
        &mut self,
        batch: &[(u32, HwOutput)],
        slot: impl Fn(u32) -> Option<usize>,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut next = self.levels;
        for (feature, command) in batch {
            let level = slot(*feature)
                .and_then(|slot| next.get_mut(slot))
                .ok_or(ProtocolError::UnknownFeature(*feature))?;
            if command.output != OutputType::Vibrate {
                return Err(unsupported(*feature, command));
            }
            *level = u16::try_from(command.value).map_err(|_| out_of_range(*feature, command))?;
        }
        self.levels = next;
        Ok(vec![tx(self.levels.iter().flat_map(|level| level.to_le_bytes()).collect::<Vec<u8>>())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_batch_changes_no_level() {
        let vibrate = |value| HwOutput::new(OutputType::Vibrate, value);
        let slot = |feature| [LOW_FREQUENCY, RIGHT_TRIGGER].get(feature as usize).copied();
        let mut rumble = Rumble::default();
        let first = rumble.apply(&[(0, vibrate(0x1234))], slot);
        assert_eq!(first, Ok(vec![tx([0x34, 0x12, 0, 0, 0, 0, 0, 0])]));
        let refused = rumble.apply(&[(1, vibrate(5)), (0, vibrate(65536))], slot);
        assert_eq!(refused, Err(out_of_range(0, &vibrate(65536))));
        assert_eq!(rumble.apply(&[(2, vibrate(1))], slot), Err(ProtocolError::UnknownFeature(2)));
        let rotate = HwOutput::new(OutputType::Rotate, 1);
        assert_eq!(rumble.apply(&[(1, rotate)], slot), Err(unsupported(1, &rotate)));
        let last = rumble.apply(&[(1, vibrate(0xffff))], slot);
        assert_eq!(last, Ok(vec![tx([0x34, 0x12, 0, 0, 0, 0, 0xff, 0xff])]));
    }
}
