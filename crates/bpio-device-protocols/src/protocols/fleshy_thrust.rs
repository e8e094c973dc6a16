//! Fleshy Thrust Sync (BLE): each move is one write on `tx`, without response,
//! `<position> <duration in ms, two bytes big-endian>`; the firmware runs the move itself. No
//! handshake, no inputs. Facts from the reference implementation.
//!
//! The database allows durations up to 100 s, more than two bytes hold: a longer duration is
//! sent as the longest the firmware can take (65.535 s), where the reference would send its
//! low two bytes, a much faster move than asked for.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "fleshy-thrust";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, position: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::HwPositionWithDuration {
        return Err(unsupported(feature, command));
    }
    let ms = command.duration.ok_or(ProtocolError::BadDuration { feature, duration: None })?;
    let [high, low] = u16::try_from(ms).unwrap_or(u16::MAX).to_be_bytes();
    Ok(tx([position, high, low]))
}
