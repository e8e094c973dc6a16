//! Svakom Sam Neo (BLE): subscribes to `rx` once configured (the firmware expects a listener;
//! nothing it sends is used), then one write per feature on `tx`, without response. When the
//! backend needs traffic, the last packet is repeated after 5 s without writes. No inputs; the
//! identifier is the advertised name.
//!
//! Facts from the reference implementation. The firmware generation shows in the connected
//! hardware's endpoints:
//! - with `txmode`, or at least the `firmware` characteristic (a generation that vibrates at one
//!   speed only, whatever it is sent), vibrate is `12 01 03 00 <on> <speed>` with `<on>` 04 for any
//!   speed above 0;
//! - otherwise (the first generation) vibrate is `12 01 03 00 05 <speed>`.
//!
//! Suction (constrict) is `12 06 01 <level>` in both.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::KEEPALIVE_INTERVAL;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "svakom-sam";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let second_generation =
        info.has_endpoint(Endpoint::TxMode) || info.has_endpoint(Endpoint::Firmware);
    if !info.has_endpoint(Endpoint::TxMode) && second_generation {
        tracing::warn!(name = info.name, "this Svakom Sam vibrates at one speed only");
    }
    let protocol = if second_generation {
        PerFeature::create(write_second)
    } else {
        PerFeature::create(write_first)
    };
    protocol
        .with_init([HardwareCommand::subscribe(Endpoint::Rx)])
        .repeating_last(KEEPALIVE_INTERVAL)
}

/// The first generation: the vibrate packet's mode byte is always 05.
fn write_first(
    feature: u32,
    command: &HwOutput,
    level: u8,
) -> Result<HardwareCommand, ProtocolError> {
    write(feature, command, level, 0x05)
}

/// Later generations: the vibrate packet's mode byte is 04 while running, 00 stopped.
fn write_second(
    feature: u32,
    command: &HwOutput,
    level: u8,
) -> Result<HardwareCommand, ProtocolError> {
    write(feature, command, level, if level == 0 { 0x00 } else { 0x04 })
}

/// The write of `command`, with `mode` the vibrate packet's mode byte.
fn write(
    feature: u32,
    command: &HwOutput,
    level: u8,
    mode: u8,
) -> Result<HardwareCommand, ProtocolError> {
    match command.output {
        OutputType::Vibrate => Ok(tx([0x12, 0x01, 0x03, 0x00, mode, level])),
        OutputType::Constrict => Ok(tx([0x12, 0x06, 0x01, level])),
        _ => Err(unsupported(feature, command)),
    }
}
