//! Joyroid Loob (BLE): a stroker that runs each move itself. A move is four bytes on `tx`
//! without response: the position and the duration in ms, each a big-endian `u16`. The
//! firmware's positions run from 1 to 1000 (0 is sent as 1) and its shortest duration is 1 ms;
//! a duration longer than 16 bits hold is sent as the longest the firmware can take. Init
//! writes `00 01 01 f4` (the bottom in 500 ms) with response. Positions are not stopped. No
//! inputs; identified by the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, out_of_range, tx, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "loob";

const LOWEST: i32 = 1;
const HIGHEST: i32 = 1000;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::signed(write).with_init([tx_acked([0x00, 0x01, 0x01, 0xf4])])
}

fn write(feature: u32, command: &HwOutput) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::HwPositionWithDuration {
        return Err(unsupported(feature, command));
    }
    let duration =
        command.duration.ok_or(ProtocolError::BadDuration { feature, duration: None })?;
    let position = u16::try_from(command.value.clamp(LOWEST, HIGHEST))
        .map_err(|_| out_of_range(feature, command))?;
    let duration = u16::try_from(duration.max(1)).unwrap_or(u16::MAX);
    let [position_high, position_low] = position.to_be_bytes();
    let [duration_high, duration_low] = duration.to_be_bytes();
    Ok(tx([position_high, position_low, duration_high, duration_low]))
}
