//! ActiveJoy (the IntoYou remote egg; BLE): one write per command on `tx`, without response,
//! `b0 01 00 <motor> <running> <speed>`. `01` selects vibration (the firmware has other modes
//! the database does not use), `<motor>` is the feature index and `<running>` is 1 unless the
//! speed is 0. No handshake, no inputs. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "activejoy";

/// The mode byte of vibration.
const VIBRATE: u8 = 0x01;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    let motor = u8::try_from(feature).map_err(|_| ProtocolError::UnknownFeature(feature))?;
    Ok(tx([0xb0, VIBRATE, 0x00, motor, u8::from(speed > 0), speed]))
}
