//! Kiiroo V2.1 (Pearl 2.1, Titan 1.1, Cliona, the OhMiBod toys of that generation): binary
//! commands on `tx`, the device name as identifier, no handshake.
//!
//! - `Vibrate`: `[0x01, level]`.
//! - `HwPositionWithDuration`: `[0x03, 0x00, speed, position]`. The firmware takes a speed, not
//!   a time, so the speed comes from the distance to the previous target (the first move starts
//!   from 0) and the duration, by the speed curve of the Fleshlight Launch family: with the
//!   distance `d` as a fraction of the stroke and the duration `t` in ms, speed =
//!   `99 * 250 * (90 t / 100 d)^-1.05`. As in the reference implementation the result is not
//!   capped at the nominal 99 but only at a byte: very fast moves send up to 255, a move of no
//!   distance sends 0.
//! - `Battery` (Pearl 2.1): reading 20 bytes from `whitelist`; byte 5 is the percentage.
//!
//! `kiiroo-v21-initialized` (Onyx 2.1, Onyx+, Keon) speaks the same commands after two init
//! writes; it is this state machine with an init sequence and no battery. `kiiroo-v3` (Keon
//! Wifi, Keon 2) is this state machine under its own name.

use super::common::{BATTERY, KiirooV21};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-v21";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(KiirooV21::new(Vec::new(), Some(BATTERY)))
}
