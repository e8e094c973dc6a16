//! Kiiroo V2.1 strokers that need waking up (Onyx 2.1, Onyx+, Keon, Realm): the commands of
//! `kiiroo-v21` after two init writes with response on `tx`, `[0x03, 0x00, 0x64, 0x19]` and
//! `[0x03, 0x00, 0x64, 0x00]` (a move to 25 at speed 100, then back to 0). No battery.

use bpio_hardware::{Endpoint, HardwareCommand};

use super::common::KiirooV21;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-v21-initialized";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let init = vec![
        HardwareCommand::write_with_response(Endpoint::Tx, [0x03, 0x00, 0x64, 0x19]),
        HardwareCommand::write_with_response(Endpoint::Tx, [0x03, 0x00, 0x64, 0x00]),
    ];
    Box::new(KiirooV21::new(init, None))
}
