//! What the Mizz Zee generations share: one vibrator and nothing else, and (for the first two)
//! packets that start with `69 96`.

use crate::error::ProtocolError;
use crate::protocol::HwOutput;
use crate::protocols::common::unsupported;
use bpio_protocol::v4::OutputType;

/// The first two bytes of every packet of the first two generations.
pub(crate) const MAGIC: [u8; 2] = [0x69, 0x96];

/// Refuses every output but the vibrator's.
pub(crate) fn vibrator_only(feature: u32, command: &HwOutput) -> Result<(), ProtocolError> {
    if command.output == OutputType::Vibrate { Ok(()) } else { Err(unsupported(feature, command)) }
}
