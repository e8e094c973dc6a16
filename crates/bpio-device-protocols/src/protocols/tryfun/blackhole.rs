//! TryFun Black Hole (Plus, Rock; BLE): one write per feature on `tx`, without response:
//! `<n> 02 00 03 <code> <level> <check>`, with `<code>` 0c for oscillate and 09 for vibrate,
//! `<n>` a packet counter from 0 (wrapping at 256), and the check `ff` minus the five bytes
//! after `<n>`, plus 6, modulo 256. No handshake, no inputs; the identifier is the advertised
//! name. Facts from the reference implementation.

use bpio_protocol::v4::OutputType;

use super::common::CountedPackets;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{byte, unsupported};

/// The database name.
pub(crate) const NAME: &str = "tryfun-blackhole";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    CountedPackets::create(body)
}

fn body(feature: u32, command: &HwOutput) -> Result<[u8; 5], ProtocolError> {
    let code = match command.output {
        OutputType::Oscillate => 0x0c,
        OutputType::Vibrate => 0x09,
        _ => return Err(unsupported(feature, command)),
    };
    Ok([0x02, 0x00, 0x03, code, byte(feature, command)?])
}
