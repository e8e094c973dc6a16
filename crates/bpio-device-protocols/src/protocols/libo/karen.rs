//! Libo Karen (a Kegel trainer that advertises as `SuoYinQiu`; BLE). The device database gives
//! it no features, and no public implementation documents a command for it, so the protocol
//! recognises and lists the device and has nothing to send: every output is refused before it
//! reaches the firmware (the database's pressure characteristic has no input feature either).

use bpio_hardware::HardwareCommand;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{PerFeature, unsupported};

/// The database name.
pub(crate) const NAME: &str = "libo-karen";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(refuse)
}

/// No output has a known command.
fn refuse(feature: u32, command: &HwOutput, _: u8) -> Result<HardwareCommand, ProtocolError> {
    Err(unsupported(feature, command))
}
