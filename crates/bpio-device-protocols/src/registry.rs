//! Protocol name (as in the device database) → implementation.

use crate::protocol::{DeviceInfo, Protocol};

/// One implementation.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolEntry {
    /// The protocol name used by the device database.
    pub name: &'static str,
    /// Creates the state machine for a connected device.
    pub create: fn(&DeviceInfo<'_>) -> Box<dyn Protocol>,
}

/// Every implementation, sorted by name: one per file of `src/protocols/`, listed by the build
/// script. A test checks each name against the embedded database.
pub const PROTOCOLS: &[ProtocolEntry] = crate::protocols::ENTRIES;

/// The implementation of `name`.
pub fn find(name: &str) -> Option<&'static ProtocolEntry> {
    let at = PROTOCOLS.binary_search_by(|entry| entry.name.cmp(name)).ok()?;
    PROTOCOLS.get(at)
}

/// Whether `name` has an implementation; servers skip candidates without one.
pub fn is_implemented(name: &str) -> bool {
    find(name).is_some()
}
