//! Lelo F1s V2 (BLE): the pairing handshake of [`super::common`] on `whitelist`, then
//! both motors in one packet with response; a device without `whitelist` shakes hands on
//! `generic0` and is driven as a Harmony (facts from the reference implementation).

use bpio_hardware::Endpoint;

use super::common::{Firmware, create_with};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "lelo-f1sv2";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    if info.has_endpoint(Endpoint::Whitelist) {
        create_with(NAME, Endpoint::Whitelist, Firmware::F1s)
    } else {
        create_with(NAME, Endpoint::Generic(0), Firmware::Harmony)
    }
}
