//! Mizz Zee (NFY008; BLE): `[69 96 03 01 on level]` on `tx`, `on` being 1 while the motor runs
//! and 0 at level 0; no handshake, no inputs, identified by the advertised name. Facts from the
//! reference implementation.

use bpio_hardware::HardwareCommand;

use super::common::{MAGIC, vibrator_only};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx};

/// The database name.
pub(crate) const NAME: &str = "mizzzee";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    vibrator_only(feature, command)?;
    let [first, second] = MAGIC;
    Ok(tx([first, second, 0x03, 0x01, u8::from(level > 0), level]))
}
