//! Kiiroo V3 (Keon Wifi, Keon 2): the commands and battery read of `kiiroo-v21` under another
//! name, without a handshake (facts from the reference implementation).

use super::kiiroo_v21::{BATTERY, KiirooV21};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-v3";

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(KiirooV21::new(NAME, info, Vec::new(), Some(BATTERY)))
}
