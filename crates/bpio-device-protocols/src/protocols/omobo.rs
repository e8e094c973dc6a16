//! Omobo (ViVegg; BLE): `a1 04 04 01 <speed> ff 55` on `tx`, written with response, one write
//! per command. No handshake, no inputs; identified by the advertised name. Facts from the
//! reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "omobo";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx_acked([0xa1, 0x04, 0x04, 0x01, speed, 0xff, 0x55]))
}
