//! Next Level Racing HF8 haptic gaming pad (serial): `M<motor><level>\r` on `tx` in ASCII, the
//! motor its feature index and the level in decimal without padding (`"M7255\r"`). Each feature
//! of a batch is its own write. No handshake, no inputs. Facts from the reference
//! implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "nextlevelracing";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx(format!("M{feature}{level}\r")))
}
