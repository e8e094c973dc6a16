//! Kiiroo V2 (Fleshlight Launch, Onyx 2): the device name as identifier; init writes `[00]` to
//! `firmware` with response, which switches the firmware to commands.
//!
//! `HwPositionWithDuration` is `[position, speed]` on `tx`, without response: the firmware takes
//! a speed, which comes from the distance to the previous target and the duration by the Launch
//! speed curve of `kiiroo-v21` (whose state machine this is, with other packets). Positions are
//! 0–99; there is nothing else to drive, and no input. Facts from the reference implementation.

use bpio_hardware::{Endpoint, HardwareCommand};

use super::common::{KiirooV21, Packets};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-v2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let init = vec![HardwareCommand::write_with_response(Endpoint::Firmware, [0x00])];
    Box::new(KiirooV21::new(init, None).with_packets(Packets::V2))
}
