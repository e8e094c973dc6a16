//! Nobra's Silicone Dreams (BLE or serial): one byte per command on `tx`, without response:
//! `60 + speed` for speeds 1 to 15, `70` to stop. Init writes the stop byte once. No inputs;
//! the identifier is the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, out_of_range, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "nobra";

const STOP: u8 = 0x70;
const SPEED_BASE: u8 = 0x60;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).with_init([tx([STOP])])
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    match speed {
        0 => Ok(tx([STOP])),
        // Speeds live in the low nibble; 16 would already read as the stop byte.
        1..=0x0f => Ok(tx([SPEED_BASE + speed])),
        _ => Err(out_of_range(feature, command)),
    }
}
