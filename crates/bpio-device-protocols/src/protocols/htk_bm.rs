//! HTK breast massager (BLE): two motors that are on or off, one byte on `tx` for the pair,
//! without response: `0b` both running, `0c` the first only, `0d` the second only, `0f`
//! neither. The protocol remembers both, so a batch is one write. No handshake, no inputs.
//! Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{Levels, byte_of, tx};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "htk_bm";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(HtkBm { motors: Levels::first(2) })
}

#[derive(Debug)]
struct HtkBm {
    motors: Levels,
}

impl Protocol for HtkBm {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.motors.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
        let mode = match (self.motors.at(0) > 0, self.motors.at(1) > 0) {
            (true, true) => 0x0b,
            (true, false) => 0x0c,
            (false, true) => 0x0d,
            (false, false) => 0x0f,
        };
        Ok(vec![tx([mode])])
    }
}
