//! TryFun (Yuan series, Surge Pro; BLE): one write per feature on `tx`, with response. No
//! handshake, no inputs; the identifier is the advertised name.
//!
//! Facts from the reference implementation:
//! - oscillate `aa 02 07 <level> <check>` and rotate `aa 02 08 <level> <check>`, the check being
//!   `ff` minus the three bytes after `aa`, plus 3, modulo 256;
//! - vibrate `00 02 00 05 <on> <level> 01 <off> <fd - max(level, 1)>`, where `<on>` is 2 and
//!   `<off>` 0 while running, and at level 0 `<on>` is 1, the level byte 2 and `<off>` 1.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx_acked, unsupported};

/// The database name.
pub(crate) const NAME: &str = "tryfun";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

/// `aa 02 <code> <level> <check>`.
fn motion(code: u8, level: u8) -> Vec<u8> {
    let body = [0x02, code, level];
    let check = body.iter().fold(0xff_u8, |check, byte| check.wrapping_sub(*byte));
    vec![0xaa, 0x02, code, level, check.wrapping_add(3)]
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    let data = match command.output {
        OutputType::Oscillate => motion(0x07, level),
        OutputType::Rotate => motion(0x08, level),
        OutputType::Vibrate => {
            let tail = 0xfd_u8.wrapping_sub(level.max(1));
            if level == 0 {
                vec![0x00, 0x02, 0x00, 0x05, 0x01, 0x02, 0x01, 0x01, tail]
            } else {
                vec![0x00, 0x02, 0x00, 0x05, 0x02, level, 0x01, 0x00, tail]
            }
        }
        _ => return Err(unsupported(feature, command)),
    };
    Ok(tx_acked(data))
}
