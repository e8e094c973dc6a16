//! Protocol name (as in the device database) → implementation.

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::{lovense, simulated, tcode_v03};

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
    ProtocolEntry { name: lovense::NAME, create: lovense::create },
    ProtocolEntry { name: simulated::NAME, create: simulated::create },
    ProtocolEntry { name: tcode_v03::NAME, create: tcode_v03::create },
];

/// The implementation of `name`.
pub fn find(name: &str) -> Option<&'static ProtocolEntry> {
    PROTOCOLS.iter().find(|entry| entry.name == name)
}

/// Whether `name` has an implementation; servers skip candidates without one.
pub fn is_implemented(name: &str) -> bool {
    find(name).is_some()
}
