//! Sexverse v4: `bb 01 <speed> 66` on `tx`, written with response; no handshake, identified by
//! the advertised name. The firmware has one motor; each command of a batch is its own write.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx_acked, unsupported};

/// The database name.
pub(crate) const NAME: &str = "sexverse-v4";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    match command.output {
        OutputType::Vibrate => Ok(tx_acked([0xbb, 0x01, speed, 0x66])),
        _ => Err(unsupported(feature, command)),
    }
}
