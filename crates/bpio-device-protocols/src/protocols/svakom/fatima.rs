//! Svakom Fatima Pro (BLE): one write per feature on `tx`, without response; the last one is
//! repeated after 5 s without writes when the backend needs traffic. No handshake, no inputs; the
//! identifier is the advertised name.
//!
//! Facts from the reference implementation. Each packet is all zeros after its command byte when
//! its level is 0; otherwise:
//! - vibrate: `55 03 00 00 01 <level>`;
//! - constrict (suction): `55 09 00 00 01 <level>`;
//! - oscillate: `55 08 00 00 <level> ff`;
//! - temperature (heating on or off): `55 05 01 37 02 00 00` on, `55 05 00 00 02 00 00` off.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-fatima";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).repeating_last(KEEPALIVE_INTERVAL)
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    let on = level > 0;
    let data = match command.output {
        OutputType::Vibrate | OutputType::Constrict => {
            let code = if command.output == OutputType::Vibrate { 0x03 } else { 0x09 };
            if on {
                vec![0x55, code, 0x00, 0x00, 0x01, level]
            } else {
                vec![0x55, code, 0, 0, 0, 0]
            }
        }
        OutputType::Oscillate if on => vec![0x55, 0x08, 0x00, 0x00, level, 0xff],
        OutputType::Oscillate => vec![0x55, 0x08, 0x00, 0x00, 0x00, 0x00],
        OutputType::Temperature if on => vec![0x55, 0x05, 0x01, 0x37, 0x02, 0x00, 0x00],
        OutputType::Temperature => vec![0x55, 0x05, 0x00, 0x00, 0x02, 0x00, 0x00],
        _ => return Err(unsupported(feature, command)),
    };
    Ok(tx(data))
}
