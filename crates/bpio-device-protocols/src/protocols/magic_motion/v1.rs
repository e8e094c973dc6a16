//! MagicMotion, first generation (Smart Bean, Flamingo, Magic Cell, Fugu, Xone, …), and the state
//! machine the later generations `magic-motion-2`, `magic-motion-3` and `magic-motion-4` share:
//! the device name as identifier, no handshake, one packet on `tx` per command, and the battery
//! level on the standard battery characteristic.
//!
//! Packets (`L`, `L1`, `L2`: motor levels 0–100):
//! - generation 1, one motor: `0b ff 04 0a 32 32 00 04 08 L 64 00`, one write per command
//!   (`Oscillate`, the Xone's only output, is the same packet);
//! - generation 2, two motor slots: `10 ff 04 0a 32 0a 00 04 08 L1 64 00 04 08 L2 64 01`, a model
//!   with one motor leaves the second slot 0. The Jive's second feature is an `Oscillate`
//!   output; it drives the second slot (the reference implementation has no encoding for it);
//! - generation 3: the packet of generation 1 with `46 46` in the middle;
//! - generation 4: `10 ff 04 0a 32 32 00 04 08 L1 64 00 04 08 L2 64 01`, written with response;
//!   a model with one motor puts its level in both slots.
//!
//! Packets carrying two slots bundle a whole batch into one write.

use super::common::{Generation, MagicMotion};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "magic-motion-1";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MagicMotion::new(Generation::First))
}
