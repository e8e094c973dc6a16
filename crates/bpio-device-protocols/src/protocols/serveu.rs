//! ServeU (BLE stroker): `[01 <position> <speed>]` on `tx`, written without response, for each
//! `HwPositionWithDuration`; positions are 0–100.
//!
//! The firmware takes a speed code rather than a duration, so the protocol works out the pace
//! from the distance to the previous target (0 at first) and the duration, in position units
//! per second rounded up, `u`, and maps it in three bands: up to 50 u/s the code is `u / 2`,
//! up to 750 it is `25 + (u - 50) / 4`, up to 2000 it is `200 + (u - 750) / 25` (each division
//! rounded up), and anything faster (a duration of 0 included) is the top code, 250. No distance
//! is code 0, which holds the device still, even in no time (where the reference sends the top
//! code). Facts from the reference implementation.
//!
//! A position is not stopped, so a stop sends nothing. No handshake, no inputs; the identifier
//! is the advertised name.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{byte, tx, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "serveu";

/// The speed code for the fastest pace.
const TOP_SPEED: u8 = 250;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(ServeU { position: 0 })
}

#[derive(Debug)]
struct ServeU {
    /// The last target.
    position: u8,
}

/// The speed code for covering `distance` position units in `duration` ms.
fn speed(distance: u8, duration: u32) -> u8 {
    if distance == 0 {
        return 0;
    }
    if duration == 0 {
        return TOP_SPEED;
    }
    let pace = (u64::from(distance) * 1000).div_ceil(u64::from(duration));
    let code = match pace {
        0..=50 => pace.div_ceil(2),
        51..=750 => 25 + (pace - 50).div_ceil(4),
        751..=2000 => 200 + (pace - 750).div_ceil(25),
        _ => u64::from(TOP_SPEED),
    };
    u8::try_from(code).unwrap_or(TOP_SPEED)
}

impl Protocol for ServeU {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        // The last target changes only once the whole batch is encoded.
        let mut last = self.position;
        let writes = write_each(batch, byte, |feature, command, position| {
            if command.output != OutputType::HwPositionWithDuration {
                return Err(unsupported(feature, command));
            }
            let duration =
                command.duration.ok_or(ProtocolError::BadDuration { feature, duration: None })?;
            let code = speed(position.abs_diff(last), duration);
            last = position;
            Ok(tx([0x01, position, code]))
        })?;
        self.position = last;
        Ok(writes)
    }
}

#[cfg(test)]
mod tests {
    use super::speed;

    #[test]
    fn each_band_starts_and_ends_where_the_next_begins() {
        assert_eq!([speed(1, 1000), speed(50, 1000), speed(51, 1000)], [1, 25, 26]);
        assert_eq!([speed(75, 100), speed(76, 100), speed(100, 50)], [200, 201, 250]);
        assert_eq!([speed(100, 49), speed(1, 0), speed(0, 0)], [250, 250, 0]);
    }
}
