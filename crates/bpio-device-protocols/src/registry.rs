//! Protocol name (as in the device database) → implementation.

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::{
    fmachine, lovehoney_desire, lovense, sexverse_v1, sexverse_v2, sexverse_v3, sexverse_v4,
    simulated, svakom_pulse, svakom_v1, svakom_v2, svakom_v3, svakom_v4, svakom_v5, svakom_v6,
    tcode_v03, thehandy_v3, umove,
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
    ProtocolEntry { name: fmachine::NAME, create: fmachine::create },
    ProtocolEntry { name: lovehoney_desire::NAME, create: lovehoney_desire::create },
    ProtocolEntry { name: lovense::NAME, create: lovense::create },
    ProtocolEntry { name: sexverse_v1::NAME, create: sexverse_v1::create },
    ProtocolEntry { name: sexverse_v2::NAME, create: sexverse_v2::create },
    ProtocolEntry { name: sexverse_v3::NAME, create: sexverse_v3::create },
    ProtocolEntry { name: sexverse_v4::NAME, create: sexverse_v4::create },
    ProtocolEntry { name: simulated::NAME, create: simulated::create },
    ProtocolEntry { name: svakom_pulse::NAME, create: svakom_pulse::create },
    ProtocolEntry { name: svakom_v1::NAME, create: svakom_v1::create },
    ProtocolEntry { name: svakom_v2::NAME, create: svakom_v2::create },
    ProtocolEntry { name: svakom_v3::NAME, create: svakom_v3::create },
    ProtocolEntry { name: svakom_v4::NAME, create: svakom_v4::create },
    ProtocolEntry { name: svakom_v5::NAME, create: svakom_v5::create },
    ProtocolEntry { name: svakom_v6::NAME, create: svakom_v6::create },
    ProtocolEntry { name: tcode_v03::NAME, create: tcode_v03::create },
    ProtocolEntry { name: thehandy_v3::NAME, create: thehandy_v3::create },
    ProtocolEntry { name: umove::NAME, create: umove::create },
];

/// The implementation of `name`.
pub fn find(name: &str) -> Option<&'static ProtocolEntry> {
    PROTOCOLS.iter().find(|entry| entry.name == name)
}

/// Whether `name` has an implementation; servers skip candidates without one.
pub fn is_implemented(name: &str) -> bool {
    find(name).is_some()
}
