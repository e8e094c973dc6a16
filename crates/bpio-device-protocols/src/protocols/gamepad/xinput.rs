//! `xinput`, the game controllers of format-4 databases (and of the format-5 data, where the
//! reference no longer matches it), written as the gamepad packet of `common.rs`: feature 0 is the
//! high-frequency motor (XInput's right) and feature 1 the low-frequency one (its left), so the
//! packet starts with feature 1's level, as the reference packs XInput's. The database gives it
//! no battery feature; one a user config adds is read from `rx` in percent.

use bpio_hardware::HardwareCommand;

use super::common::{BATTERY, HIGH_FREQUENCY, LOW_FREQUENCY, Rumble};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::BatteryRead;

/// The database name.
pub(crate) const NAME: &str = "xinput";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Xinput::default())
}

#[derive(Debug, Default)]
struct Xinput {
    rumble: Rumble,
}

impl Protocol for Xinput {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.rumble.apply(batch, |feature| match feature {
            0 => Some(HIGH_FREQUENCY),
            1 => Some(LOW_FREQUENCY),
            _ => None,
        })
    }

    fn battery(&self) -> Option<BatteryRead> {
        Some(BATTERY)
    }
}
