//! Pretty Love (Aogu BLE devices): one write per command on `tx`, with response:
//! `[00 <speed>]`. No handshake, no inputs. Every such device is identified as `Aogu BLE`,
//! whatever it advertises. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "prettylove";

/// The identifier of every device of this protocol.
const IDENTIFIER: &str = "Aogu BLE";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).identified_as(IDENTIFIER)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx_acked([0x00, speed]))
}
