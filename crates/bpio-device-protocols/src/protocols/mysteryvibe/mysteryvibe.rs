//! MysteryVibe (Crescendo, Tenuto, Poco), and the state machine `mysteryvibe-v2` shares: the
//! device name as identifier, one init write with response on `txmode` (`[0x43, 0x02, 0x00]`;
//! the second generation writes `[0x03, 0x02, 0x40]`), then one write on `txvibrate` carrying
//! the level of every motor in feature order (0–56). A batch is one write.
//!
//! The firmware stops its motors when no packet arrives for a while, so while any motor runs
//! the protocol's timer resends the last packet every 93 ms. The reference implementation
//! resends after 93 ms without a write, forever; here the resend is periodic (the motors never
//! go longer than 93 ms without a packet) and ends once every motor is at 0, since a stopped
//! motor needs no packet to stay stopped.

use super::common::MysteryVibe;
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "mysteryvibe";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MysteryVibe::new([0x43, 0x02, 0x00]))
}
