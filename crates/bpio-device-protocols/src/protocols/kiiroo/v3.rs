//! Kiiroo V3 (Keon Wifi, Keon 2): the commands and battery read of `kiiroo-v21` under another
//! name, without a handshake (facts from the reference implementation).

use super::common::{BATTERY, KiirooV21};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-v3";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(KiirooV21::new(Vec::new(), Some(BATTERY)))
}
