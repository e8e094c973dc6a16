//! Love Distance (Reach, Mag, Span, Range, Grasp, …): the device name as identifier, two init
//! writes on `tx` (`[0xf3, 0x00, 0x00]`, then `[0xf4, 0x01]`), and `[0xf3, 0x00, level]` per
//! command, levels 0–121.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "lovedistance";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).with_init([tx([0xf3, 0x00, 0x00]), tx([0xf4, 0x01])])
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0xf3, 0x00, level]))
}
