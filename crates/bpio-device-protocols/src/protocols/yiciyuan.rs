//! Yiciyuan (BLE): a stroker with two vibrators, all three in one 16-byte packet on `tx`.
//!
//! Facts from the reference implementation (`buttplug_server` 12.0.2):
//! - the packet is `35 12 <stroke> <vibe> <axis c>` and eleven zeros, without response; the
//!   stroke is feature 0 (oscillate), the vibrators features 1 and 2. The firmware counts 0–20:
//!   a level `l` of 0–100 is sent as `(l × 20 + 50) / 100` in whole numbers, to the nearest step.
//!   A batch is one packet;
//! - the battery is pushed, not read: a read subscribes to `rxblebattery` and takes the next
//!   notification `35 13 <any> <percentage> …` there (the subscription stays, as with the
//!   reference).
//!
//! No handshake, no keep-alive; the identifier is the advertised name.

use std::time::Duration;

use bpio_device_config::Feature;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, OutputType, Reading, ReadingValue};

use super::common::{Levels, pushed_battery, tx};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, InputPlan, Protocol};

/// The database name.
pub(crate) const NAME: &str = "yiciyuan";

/// The firmware's top level.
const DEVICE_MAX: u16 = 20;
const PACKET_LENGTH: usize = 16;
/// How long a battery read waits for the push.
const BATTERY_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Yiciyuan { axes: Levels::new(0..3) })
}

#[derive(Debug)]
struct Yiciyuan {
    axes: Levels,
}

/// A level of 0–100 on the firmware's scale of 0–20.
fn firmware_level(level: u8) -> u8 {
    let scaled = (u16::from(level.min(100)) * DEVICE_MAX + 50) / 100;
    u8::try_from(scaled).unwrap_or(u8::MAX)
}

impl Protocol for Yiciyuan {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.axes.apply(batch, &[OutputType::Oscillate, OutputType::Vibrate])?;
        let mut data = vec![0x35, 0x12];
        data.extend(self.axes.levels().iter().copied().map(firmware_level));
        data.resize(PACKET_LENGTH, 0x00);
        Ok(vec![tx(data)])
    }

    fn read(&mut self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        pushed_battery(feature, input, None, BATTERY_TIMEOUT)
    }

    fn parse_reading(
        &mut self,
        _: u32,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        if input != InputType::Battery || endpoint != Endpoint::RxBleBattery {
            return None;
        }
        let [0x35, 0x13, _, value, ..] = *data else {
            return None;
        };
        (value <= 100).then_some(Reading::Battery(ReadingValue { value }))
    }
}

#[cfg(test)]
mod tests {
    use super::firmware_level;

    #[test]
    fn levels_scale_to_twenty_rounding_half_up() {
        assert_eq!(firmware_level(0), 0);
        assert_eq!(firmware_level(2), 0);
        assert_eq!(firmware_level(3), 1, "0.6 rounds up");
        assert_eq!(firmware_level(50), 10);
        assert_eq!(firmware_level(100), 20);
        assert_eq!(firmware_level(255), 20, "above 100 counts as 100");
    }
}
