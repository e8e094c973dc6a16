//! Rez TranceVibrator (raw USB, vendor 0x0b49, product 0x064f): one motor, whose speed (0–255)
//! is set by a vendor control request to the device's interface: `bmRequestType` 0x41 (host to
//! device, vendor, interface), `bRequest` 1, `wValue` the speed, `wIndex` 0, no data. Speed 0
//! stops it. No handshake, no inputs.
//!
//! The transfer goes out as a write to `txvendorcontrol` whose bytes are the transfer as
//! [`ControlOut`] lays them out, which the USB backend performs on the control pipe; the
//! reference wrote only the speed byte there and left the rest of the request to its backend.
//! Facts from the reference's USB support, its earlier C# implementation and the device's
//! original C library.

use bpio_hardware::{ControlOut, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "rez-trancevibrator";

/// Host to device (bit 7 clear), vendor type (bits 5–6: 2), recipient interface (bits 0–4: 1).
const VENDOR_TO_INTERFACE: u8 = 0x41;
/// The request that sets the speed.
const SET_SPEED: u8 = 1;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    let transfer = ControlOut {
        request_type: VENDOR_TO_INTERFACE,
        request: SET_SPEED,
        value: speed.into(),
        index: 0,
        data: Vec::new(),
    };
    Ok(transfer.command())
}
