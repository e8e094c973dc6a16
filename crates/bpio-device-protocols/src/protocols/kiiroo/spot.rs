//! Kiiroo Spot (BLE): one write per command on `tx`, without response: `[00 ff 00 00 00 <level>]`.
//! The battery is the standard characteristic (`rxblebattery`; the reference asks for up to 20
//! bytes and uses the first, which is the whole of that characteristic). No handshake; the
//! identifier is the advertised name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{BatteryRead, PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-spot";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).with_battery(BatteryRead::BLE)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0x00, 0xff, 0x00, 0x00, 0x00, level]))
}
