//! Twerking Butt (BLE, also advertised as `BODIKANG`): recognised and listed, but the database
//! gives it no features, so there is nothing to encode and every output is refused.
//!
//! The reference implementation has no module for this protocol. The protocol notes of the
//! Buttplug project, <https://github.com/buttplugio/stpihkal/issues/69> (also
//! <https://github.com/buttplugio/docs.buttplug.io/blob/HEAD/stpihkal/protocols/twerking-butt/index.md>),
//! record 16-byte packets on `tx` (`a6 61 <command> ...`, zero padded) for a
//! pattern mode, an audio mode and stopping each, and status reports on `rx`. They are
//! captures with guessed meanings (the two sources disagree on which command starts and which
//! stops the audio mode) and no speed control, and the database maps none of them to a feature,
//! so none is sent. No handshake; identified by the advertised name.

use super::common::PerFeature;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "twerkingbutt";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::listed_only()
}
