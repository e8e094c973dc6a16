//! Protocol name (as in the device database) → implementation.

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::{
    amorelie_joy, cueme, kiiroo_v2_vibrator, kiiroo_v21, kiiroo_v21_initialized, lovedistance,
    lovense, magic_motion_1, magic_motion_2, magic_motion_4, mysteryvibe, mysteryvibe_v2,
    pink_punch, sakuraneko, sensee_v2, simulated, tcode_v03, vibcrafter, vibio, vorze_sa,
};

/// One implementation.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolEntry {
    /// The protocol name used by the device database.
    pub name: &'static str,
    /// Creates the state machine for a connected device.
    pub create: fn(&DeviceInfo<'_>) -> Box<dyn Protocol>,
}

/// Every implementation, sorted by name. A test checks each name against the embedded database.
pub const PROTOCOLS: &[ProtocolEntry] = &[
    ProtocolEntry { name: amorelie_joy::NAME, create: amorelie_joy::create },
    ProtocolEntry { name: cueme::NAME, create: cueme::create },
    ProtocolEntry { name: kiiroo_v2_vibrator::NAME, create: kiiroo_v2_vibrator::create },
    ProtocolEntry { name: kiiroo_v21::NAME, create: kiiroo_v21::create },
    ProtocolEntry { name: kiiroo_v21_initialized::NAME, create: kiiroo_v21_initialized::create },
    ProtocolEntry { name: lovedistance::NAME, create: lovedistance::create },
    ProtocolEntry { name: lovense::NAME, create: lovense::create },
    ProtocolEntry { name: magic_motion_1::NAME, create: magic_motion_1::create },
    ProtocolEntry { name: magic_motion_2::NAME, create: magic_motion_2::create },
    ProtocolEntry { name: magic_motion_4::NAME, create: magic_motion_4::create },
    ProtocolEntry { name: mysteryvibe::NAME, create: mysteryvibe::create },
    ProtocolEntry { name: mysteryvibe_v2::NAME, create: mysteryvibe_v2::create },
    ProtocolEntry { name: pink_punch::NAME, create: pink_punch::create },
    ProtocolEntry { name: sakuraneko::NAME, create: sakuraneko::create },
    ProtocolEntry { name: sensee_v2::NAME, create: sensee_v2::create },
    ProtocolEntry { name: simulated::NAME, create: simulated::create },
    ProtocolEntry { name: tcode_v03::NAME, create: tcode_v03::create },
    ProtocolEntry { name: vibcrafter::NAME, create: vibcrafter::create },
    ProtocolEntry { name: vibio::NAME, create: vibio::create },
    ProtocolEntry { name: vorze_sa::NAME, create: vorze_sa::create },
];

/// The implementation of `name`.
pub fn find(name: &str) -> Option<&'static ProtocolEntry> {
    PROTOCOLS.iter().find(|entry| entry.name == name)
}

/// Whether `name` has an implementation; servers skip candidates without one.
pub fn is_implemented(name: &str) -> bool {
    find(name).is_some()
}
