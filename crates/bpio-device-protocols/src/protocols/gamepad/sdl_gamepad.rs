//! `sdl-gamepad`, the format-5 database's game controllers, written as the gamepad packet of
//! `common.rs`. The definition's `protocol_variant` chooses which motors the features drive, as
//! with the reference:
//!
//! - none (the defaults): feature 0 the low-frequency motor, feature 1 the high-frequency one;
//! - `sdl-triggers-only`: features 0 and 1 the left and the right trigger's motor;
//! - `sdl-rumble-and-triggers`: features 0 to 3 all four, in packet order.
//!
//! The battery is read from `rx`. The pad's name is its identifier; the trigger configurations'
//! identifiers are what the reference's SDL backend names a pad with trigger motors, which no
//! bpio backend drives, so a pad gets the defaults.

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;

use super::common::{BATTERY, HIGH_FREQUENCY, LEFT_TRIGGER, LOW_FREQUENCY, RIGHT_TRIGGER, Rumble};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::BatteryRead;

/// The database name.
pub(crate) const NAME: &str = "sdl-gamepad";

const MAIN: &[usize] = &[LOW_FREQUENCY, HIGH_FREQUENCY];
const TRIGGERS: &[usize] = &[LEFT_TRIGGER, RIGHT_TRIGGER];
const ALL: &[usize] = &[LOW_FREQUENCY, HIGH_FREQUENCY, LEFT_TRIGGER, RIGHT_TRIGGER];

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(SdlGamepad { slots: MAIN, rumble: Rumble::default() })
}

#[derive(Debug)]
struct SdlGamepad {
    /// The slot of each feature, by feature index.
    slots: &'static [usize],
    rumble: Rumble,
}

impl Protocol for SdlGamepad {
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        self.slots = match definition.protocol_variant.as_deref() {
            None => MAIN,
            Some("sdl-triggers-only") => TRIGGERS,
            Some("sdl-rumble-and-triggers") => ALL,
            Some(other) => {
                return Err(ProtocolError::UnknownProtocol(format!("{NAME} ({other})")));
            }
        };
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let slots = self.slots;
        self.rumble.apply(batch, |feature| slots.get(usize::try_from(feature).ok()?).copied())
    }

    fn battery(&self) -> Option<BatteryRead> {
        Some(BATTERY)
    }
}
