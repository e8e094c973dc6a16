//! ToyCod Tara X (BLE, Svakom firmware): one six-byte write per feature on `tx`, without
//! response. No handshake, no keep-alive, no inputs; the identifier is the advertised name.
//!
//! Facts from the reference implementation, whose author doubts which motor each packet
//! addresses: the internal vibrator (feature 0) takes `55 03 00 00 <speed> 02`, and
//! `55 03 00 00 01 01` to stop; any other feature (the external pulsator) takes
//! `55 09 00 00 <speed> 00`.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-tarax";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    let packet = match (feature, speed) {
        (0, 0) => [0x55, 0x03, 0x00, 0x00, 0x01, 0x01],
        (0, _) => [0x55, 0x03, 0x00, 0x00, speed, 0x02],
        _ => [0x55, 0x09, 0x00, 0x00, speed, 0x00],
    };
    Ok(tx(packet))
}
