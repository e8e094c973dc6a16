//! Zalo (BLE): both motors in one 3-byte packet on `tx`, with response:
//! `[mode, motor 0, motor 1]`. The mode is 02 when both motors are at 0 and 01 otherwise, and a
//! motor at 0 is sent as 01 (facts from the reference implementation). A one-motor model leaves
//! the second at 0. A batch is one packet. No handshake, no inputs; the identifier is the
//! advertised name.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{Levels, tx_acked};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "zalo";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Zalo { motors: Levels::new(0..2) })
}

#[derive(Debug)]
struct Zalo {
    motors: Levels,
}

impl Protocol for Zalo {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.motors.apply(batch, &[OutputType::Vibrate])?;
        let [first, second] = [0, 1].map(|slot| self.motors.at(slot));
        let mode = if first == 0 && second == 0 { 0x02 } else { 0x01 };
        Ok(vec![tx_acked([mode, first.max(1), second.max(1)])])
    }
}
