//! Protocols and device definitions (docs/DEVICE_CONFIG.md 2 and 5.1).

use std::sync::Arc;

use crate::communication::Specifier;
use crate::feature::Feature;
use bpio_hardware::Uuid;

/// A device model: a protocol's `defaults` or one of its `configurations`.
///
/// Configurations are stored already merged with their protocol's defaults (docs/DEVICE_CONFIG.md
/// 5.1), so lookups never merge; [`Inherited`] remembers what came from the defaults so that
/// the definition can be written back in its original shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// Stable id; user records point at it with `base_id`.
    pub id: Uuid,
    /// `DeviceName` shown to clients.
    pub name: String,
    /// Identifiers this model answers to; empty for `defaults`.
    pub identifiers: Vec<String>,
    /// Sub-mode of the protocol implementation.
    pub protocol_variant: Option<String>,
    /// Minimum gap between output dispatches, in ms.
    pub message_gap_ms: Option<u32>,
    /// Features in file order. Shared: a configuration without features of its own holds its
    /// protocol's default list, and a device holds its definition's, without copies.
    pub features: Arc<[Feature]>,
    /// Which fields were taken from the protocol's defaults.
    pub inherited: Inherited,
}

/// Which fields of a configuration were filled from its protocol's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inherited {
    /// `features` came from the defaults.
    pub features: bool,
    /// `protocol_variant` came from the defaults.
    pub protocol_variant: bool,
    /// `message_gap_ms` came from the defaults.
    pub message_gap_ms: bool,
}

impl Definition {
    /// Fills the fields a configuration left out (`missing`) from its protocol's defaults.
    pub(crate) fn inherit_from(&mut self, defaults: &Self, missing: Inherited) {
        if missing.features {
            self.features.clone_from(&defaults.features);
        }
        if missing.protocol_variant {
            self.protocol_variant.clone_from(&defaults.protocol_variant);
        }
        if missing.message_gap_ms {
            self.message_gap_ms = defaults.message_gap_ms;
        }
        self.inherited = missing;
    }

    /// The fields a configuration had before [`Self::inherit_from`], for writing it back.
    pub(crate) fn own_features(&self) -> Option<&[Feature]> {
        (!self.inherited.features).then_some(&*self.features)
    }

    /// The own `protocol_variant`, `None` when inherited.
    pub(crate) fn own_protocol_variant(&self) -> Option<&str> {
        if self.inherited.protocol_variant { None } else { self.protocol_variant.as_deref() }
    }

    /// The own `message_gap_ms`, `None` when inherited.
    pub(crate) fn own_message_gap_ms(&self) -> Option<u32> {
        if self.inherited.message_gap_ms { None } else { self.message_gap_ms }
    }
}

/// One protocol of the database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Protocol {
    /// Protocol name; selects the implementation.
    pub name: String,
    /// Recognition rules.
    pub communication: Vec<Specifier>,
    /// Fallback model.
    pub defaults: Option<Definition>,
    /// Specific models, in file order, merged with `defaults`.
    pub configurations: Vec<Definition>,
}

impl Protocol {
    /// Gives back the spare capacity parsing left in its lists: the database is read once and
    /// kept for the engine's life, and the lists grew by doubling while they were read.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.communication.shrink_to_fit();
        self.communication.iter_mut().for_each(Specifier::shrink_to_fit);
        self.configurations.shrink_to_fit();
        for definition in self.defaults.iter_mut().chain(&mut self.configurations) {
            definition.identifiers.shrink_to_fit();
        }
    }
}
