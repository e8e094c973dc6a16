//! Mizz Zee v2 (XHT; BLE): `[69 96 04 02 level 2c level]` on `tx`; no handshake, no inputs,
//! identified by the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;

use super::common::{MAGIC, vibrator_only};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx};

/// The database name.
pub(crate) const NAME: &str = "mizzzee-v2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    vibrator_only(feature, command)?;
    let [first, second] = MAGIC;
    Ok(tx([first, second, 0x04, 0x02, level, 0x2c, level]))
}
