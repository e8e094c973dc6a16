//! We-Vibe with 8-bit firmware (BLE): the packet of [`super::wevibe`] with one byte per motor.

use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "wevibe-8bit";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    super::common::create_with(super::common::Firmware::EightBit)
}
