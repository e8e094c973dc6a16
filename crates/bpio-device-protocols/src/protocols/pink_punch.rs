//! Pink Punch (Sunset Mushroom, Peachu, Dream Bunny, Peacaron): the device name as identifier,
//! no handshake, `[0x09, level]` per command on `tx`, written with response.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "pink_punch";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx_acked([0x09, level]))
}
