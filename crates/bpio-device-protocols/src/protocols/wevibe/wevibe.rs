//! We-Vibe (BLE): both motors in one 8-byte packet on `tx`, written with response. The classic
//! firmware packs two 4-bit levels into one byte; the 8-bit and Chorus firmwares (`wevibe-8bit`
//! and `wevibe-chorus`, which share this family's `common.rs`) give each motor a byte.
//!
//! Facts from the reference implementation. The inner motor is feature 0; the outer one is
//! feature 1, or feature 0 again on single-motor toys. Both at 0 is `[0f 00 00 00 00 00 00 00]`;
//! otherwise:
//! - classic: `[0f 03 00 <outer | inner << 4> 00 03 00 00]`, after an init of
//!   `[0f 03 00 99 00 03 00 00]` then `[0f 00 00 00 00 00 00 00]`;
//! - 8-bit: `[0f 03 00 <outer + 3> <inner + 3> <status> 00 00]`, status bit 0 set when the
//!   inner motor runs and bit 1 when the outer one does; no init;
//! - Chorus: `[0f 03 00 <inner> <outer> <status> 00 00]`, the status as for 8-bit; no init.
//!
//! Every packet carries both motors, so a batch is one write. No inputs, no keep-alive; the
//! identifier is the advertised name.

use super::common::{Firmware, create_with};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "wevibe";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    create_with(Firmware::Classic)
}
