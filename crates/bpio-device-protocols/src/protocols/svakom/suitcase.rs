//! Svakom Magic Suitcase (BLE): one write per feature on `tx`, without response. No handshake,
//! no inputs; the identifier is the advertised name.
//!
//! Facts from the reference implementation. The main vibrator (feature 0, levels 0–30) takes
//! `55 03 00 00 <intensity> <speed>`: the firmware counts speeds 1–10 within intensities, so a
//! level `l` is intensity `ceil(l / 10)` and speed `l - 10 × (intensity - 1)` (level 0 is
//! `00 00`). Any other feature takes `55 09 00 00 <level> 00`.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-suitcase";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

/// The (intensity, speed) of a main-vibrator level.
fn intensity_and_speed(level: u8) -> (u8, u8) {
    if level == 0 {
        return (0, 0);
    }
    let intensity = level.div_ceil(10);
    (intensity, level - 10 * (intensity - 1))
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    if feature != 0 {
        return Ok(tx([0x55, 0x09, 0x00, 0x00, level, 0x00]));
    }
    let (intensity, speed) = intensity_and_speed(level);
    Ok(tx([0x55, 0x03, 0x00, 0x00, intensity, speed]))
}

#[cfg(test)]
mod tests {
    use super::intensity_and_speed;

    #[test]
    fn levels_count_speeds_one_to_ten_within_intensities() {
        assert_eq!(intensity_and_speed(0), (0, 0));
        assert_eq!(intensity_and_speed(1), (1, 1));
        assert_eq!(intensity_and_speed(10), (1, 10));
        assert_eq!(intensity_and_speed(11), (2, 1));
        assert_eq!(intensity_and_speed(30), (3, 10));
        assert_eq!(intensity_and_speed(255), (26, 5), "no overflow past the database's range");
    }
}
