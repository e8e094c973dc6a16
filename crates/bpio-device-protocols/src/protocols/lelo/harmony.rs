//! Lelo Harmony (BLE): a pairing handshake on `whitelist`, then one write per motor on `tx`.
//!
//! Facts from the reference implementation:
//! - init subscribes to `whitelist` and reads its notifications. All zeros: the toy is not
//!   authorised yet and its power button must be tapped, so keep waiting. `01` followed by
//!   zeros (or nothing): authorised, done. Anything else is the toy's password: unsubscribe,
//!   write it back to `whitelist` (with response), subscribe again and keep reading. The
//!   reference waits without limit; we give up after a minute without an answer.
//! - vibrate and rotate write `[0a 12 <feature + 1> 08 00 00 00 00 <speed> 00]`.
//!
//! No inputs, no keep-alive; the identifier is the advertised name.
//!
//! `lelo-f1sv2` (its module builds on this one) shakes hands the same way, on `whitelist` when
//! the device has it and otherwise on `generic0`. With `whitelist` (an F1s V2) it then writes
//! both motors in one packet, `[01 <motor 0> <motor 1>]` on `tx` with response; without, it
//! writes as the Harmony does.

use bpio_hardware::Endpoint;

use super::common::{Firmware, create_with};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "lelo-harmony";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    create_with(NAME, Endpoint::Whitelist, Firmware::Harmony)
}
