//! Amorelie Joy (Move, Cha-Cha, Boogie, Shimmer, …): the device name as identifier, one init
//! write `[0x03]` on `tx`, then `[0x01, 0x01, level]` per command (pattern 1 is a steady
//! vibration).

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "amorelie-joy";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).with_init([tx([0x03])])
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0x01, 0x01, level]))
}
