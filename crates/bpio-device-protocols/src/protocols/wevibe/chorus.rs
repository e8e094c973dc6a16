//! We-Vibe Chorus and Sync (BLE): the packet of [`super::wevibe`] with one byte per motor, inner
//! motor first, without offset.

use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "wevibe-chorus";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    super::common::create_with(super::common::Firmware::Chorus)
}
