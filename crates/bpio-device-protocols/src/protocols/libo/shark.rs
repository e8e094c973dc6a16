//! Libo Shark (BLE): both motors in one byte on `tx`, without response, the first motor's level
//! (0–3) in the high nibble and the second's in the low one, so a batch is one write. No
//! handshake, no inputs; the identifier is the advertised name. Facts from the reference
//! implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{Levels, byte_of, out_of_range, tx};

/// The database name.
pub(crate) const NAME: &str = "libo-shark";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(LiboShark { motors: Levels::new(0..2) })
}

#[derive(Debug)]
struct LiboShark {
    motors: Levels,
}

impl Protocol for LiboShark {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let level = byte_of(&[OutputType::Vibrate]);
        // A level must fit its nibble (a user config could widen the range).
        self.motors.apply_with(batch, |feature, command| match level(feature, command)? {
            nibble @ 0..=0x0f => Ok(nibble),
            _ => Err(out_of_range(feature, command)),
        })?;
        Ok(vec![tx([self.motors.at(0) << 4 | self.motors.at(1)])])
    }
}
