//! Mu Se (BLE): the app platform of the Dream Lover Archer 2 and the Galaku Panty Vib. Two bytes
//! on `tx`, `<speed> 01`, one write per command; a speed of 0 stops.
//!
//! The reference implementation has no module for this protocol. The facts come from the
//! protocol notes of the Buttplug project: <https://github.com/buttplugio/stpihkal/issues/65>
//! (also
//! <https://github.com/buttplugio/docs.buttplug.io/blob/HEAD/stpihkal/protocols/muse/index.md>).
//! A packet is `AA BB`: `AA` 0 stops the motor whatever `BB` is; with `BB` 0, `AA` starts a
//! built-in pattern (1–9); with any other `BB`, `AA` is a speed (1–15, 9 perhaps the top; the
//! database's range is 0–9) that the firmware holds for about a second.
//!
//! Uncertain: which non-zero `BB` the vendor app sends is not documented (any is said to work),
//! so this protocol sends 1. Since a speed lapses after about a second, the running packet is
//! repeated after half a second without writes, whatever the backend, so that a keep-alive
//! arriving a little late still comes before the motor drops; a stopped motor stays stopped,
//! so nothing is repeated then. No handshake and no inputs are documented; identified by the
//! advertised name.

use std::time::Duration;

use bpio_hardware::HardwareCommand;

use super::common::{RefreshedSpeed, tx};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "muse";

/// Any non-zero second byte makes the first a speed rather than a pattern.
const SPEED_MODE: u8 = 0x01;
/// Silence after which a running speed is sent again: half of how long the firmware holds it.
const REFRESH: Duration = Duration::from_millis(500);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    RefreshedSpeed::create(packet, REFRESH)
}

fn packet(speed: u8) -> HardwareCommand {
    tx([speed, SPEED_MODE])
}
