//! Protocol name (as in the device database) → implementation.

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::{
    foreo, galaku, hismith, hismith_mini, honeyplaybox, itoys, joyhub, lelo_harmony, libo_vibes,
    lovense, luvmazer, patoo, picobong, satisfyer, simulated, tcode_v03, wevibe, wevibe_8bit,
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
    ProtocolEntry { name: foreo::NAME, create: foreo::create },
    ProtocolEntry { name: galaku::NAME, create: galaku::create },
    ProtocolEntry { name: hismith::NAME, create: hismith::create },
    ProtocolEntry { name: hismith_mini::NAME, create: hismith_mini::create },
    ProtocolEntry { name: honeyplaybox::NAME, create: honeyplaybox::create },
    ProtocolEntry { name: itoys::NAME, create: itoys::create },
    ProtocolEntry { name: joyhub::NAME, create: joyhub::create },
    ProtocolEntry { name: lelo_harmony::NAME, create: lelo_harmony::create },
    ProtocolEntry { name: libo_vibes::NAME, create: libo_vibes::create },
    ProtocolEntry { name: lovense::NAME, create: lovense::create },
    ProtocolEntry { name: luvmazer::NAME, create: luvmazer::create },
    ProtocolEntry { name: patoo::NAME, create: patoo::create },
    ProtocolEntry { name: picobong::NAME, create: picobong::create },
    ProtocolEntry { name: satisfyer::NAME, create: satisfyer::create },
    ProtocolEntry { name: simulated::NAME, create: simulated::create },
    ProtocolEntry { name: tcode_v03::NAME, create: tcode_v03::create },
    ProtocolEntry { name: wevibe::NAME, create: wevibe::create },
    ProtocolEntry { name: wevibe_8bit::NAME, create: wevibe_8bit::create },
];

/// The implementation of `name`.
pub fn find(name: &str) -> Option<&'static ProtocolEntry> {
    PROTOCOLS.iter().find(|entry| entry.name == name)
}

/// Whether `name` has an implementation; servers skip candidates without one.
pub fn is_implemented(name: &str) -> bool {
    find(name).is_some()
}
