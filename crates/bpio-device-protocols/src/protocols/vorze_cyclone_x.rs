//! Vorze Cyclone X10 (USB HID, vendor 0x0483, product 0x5750): one 16-byte output report on
//! `tx` per rotation, report id 0 first, then the ASCII frame `<01520`, a pause digit (always
//! `0`), a direction digit (`0` clockwise, `1` counter-clockwise), the speed as `'0' + speed`
//! (0–10, so 10 is `:`), `00`, the bytes `01 02 03`, `h` and `>`. No handshake, no inputs.
//!
//! The rotation's sign is its direction, positive clockwise; speed 0 keeps the last direction,
//! as a stop does. The reference's Rust implementation has no code for this device; the frame
//! is from its earlier C# implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{out_of_range, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "vorze-cyclone-x";

/// The top speed the frame's one digit carries.
const TOP_SPEED: u8 = 10;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(CycloneX { counter_clockwise: false })
}

#[derive(Debug)]
struct CycloneX {
    /// The direction of the last rotation.
    counter_clockwise: bool,
}

/// The output report for `speed` (0–10) in a direction.
fn report(counter_clockwise: bool, speed: u8) -> [u8; 16] {
    let digit = |value: u8| b'0' + value;
    [
        0x00,
        b'<',
        b'0',
        b'1',
        b'5',
        b'2',
        digit(0),
        digit(u8::from(counter_clockwise)),
        digit(speed),
        b'0',
        b'0',
        0x01,
        0x02,
        0x03,
        b'h',
        b'>',
    ]
}

impl Protocol for CycloneX {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut direction = self.counter_clockwise;
        let mut writes = Vec::with_capacity(batch.len());
        for (feature, command) in batch {
            if command.output != OutputType::Rotate {
                return Err(unsupported(*feature, command));
            }
            let speed = u8::try_from(command.value.unsigned_abs())
                .ok()
                .filter(|speed| *speed <= TOP_SPEED)
                .ok_or_else(|| out_of_range(*feature, command))?;
            if speed > 0 {
                direction = command.value < 0;
            }
            writes.push(tx(report(direction, speed)));
        }
        self.counter_clockwise = direction;
        Ok(writes)
    }
}
