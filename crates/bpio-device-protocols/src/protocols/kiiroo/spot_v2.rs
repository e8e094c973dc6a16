//! Kiiroo Spot 2 (BLE): one write per command on `tx`, with response:
//! `[01 <level> <level> 03 e8 ff]`. The battery is the standard characteristic, as the Spot's.
//! No handshake; the identifier is the advertised name. Facts from the reference
//! implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{BatteryRead, PerFeature, tx_acked, unsupported};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-spot-v2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).with_battery(BatteryRead::BLE)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx_acked([0x01, level, level, 0x03, 0xe8, 0xff]))
}
