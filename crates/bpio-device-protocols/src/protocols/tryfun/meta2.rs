//! TryFun Meta 2 (BLE): one write per feature on `tx`, without response, the counted packets of
//! the Black Hole: `<n> 02 00 05 21 05 <code> <value> <check>`, `<n>` counting the packets from
//! 0 (wrapping at 256), the check `ff` minus the seven bytes after `<n>`, plus 8, modulo 256.
//! No handshake, no inputs; the identifier is the advertised name.
//!
//! Facts from the reference implementation: `<code>` is 0b for oscillate, 08 for vibrate (the
//! level as the value) and 0e for rotate, whose value is a signed byte: clockwise speed `s`
//! (0 included, so a stopped rotation is ff) is `-(s + 1)`, counter-clockwise speed `s` is `s`.

use bpio_protocol::v4::OutputType;

use super::common::CountedPackets;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{byte, out_of_range, unsupported};

/// The database name.
pub(crate) const NAME: &str = "tryfun-meta2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    CountedPackets::create(body)
}

fn body(feature: u32, command: &HwOutput) -> Result<[u8; 7], ProtocolError> {
    let (code, value) = match command.output {
        OutputType::Oscillate => (0x0b, byte(feature, command)?),
        OutputType::Vibrate => (0x08, byte(feature, command)?),
        OutputType::Rotate => (0x0e, rotation(feature, command)?),
        _ => return Err(unsupported(feature, command)),
    };
    Ok([0x02, 0x00, 0x05, 0x21, 0x05, code, value])
}

/// The rotation byte: the firmware's signed speed, clockwise (and stopped) one below the
/// negated speed.
fn rotation(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    let signed = if command.value >= 0 {
        command.value.checked_add(1).and_then(i32::checked_neg)
    } else {
        command.value.checked_neg()
    };
    let signed = signed.and_then(|signed| i8::try_from(signed).ok());
    signed.map(i8::cast_unsigned).ok_or_else(|| out_of_range(feature, command))
}
