//! Libo Karen (a Kegel trainer that advertises as `SuoYinQiu`; BLE). The device database gives
//! it no features, and no public implementation documents a command for it, so the protocol
//! recognises and lists the device and has nothing to send: every output is refused before it
//! reaches the firmware (the database's pressure characteristic has no input feature either).

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::common::PerFeature;

/// The database name.
pub(crate) const NAME: &str = "libo-karen";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::listed_only()
}
