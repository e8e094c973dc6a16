//! The base device database: every protocol with its recognition rules and models.

use std::collections::{BTreeMap, HashMap};

use crate::definition::{Definition, Protocol};
use crate::error::{Error, Warning};
use crate::public::Version;
use crate::public::base::{Strictness, parse_base};
use bpio_hardware::Uuid;

/// A loaded base database (the embedded one, or a file in a public format).
#[derive(Debug)]
pub struct BaseDatabase {
    version: Version,
    /// Sorted by name: that is the "file order" of rule D (docs/DEVICE_CONFIG.md 1.1).
    protocols: Vec<Protocol>,
    warnings: Vec<Warning>,
}

impl BaseDatabase {
    /// Reads a base database file in public format 4 or 5; definitions with a reversed range
    /// are skipped with a warning.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        parse_base(text, Strictness::default())
    }

    /// Like [`Self::from_json`], choosing what happens to invalid definitions.
    pub fn from_json_with(text: &str, strictness: Strictness) -> Result<Self, Error> {
        parse_base(text, strictness)
    }

    /// The database compiled into this crate (generated from the public v5 database).
    pub fn embedded() -> Result<Self, Error> {
        crate::embedded::load()
    }

    pub(crate) fn new(
        version: Version,
        mut protocols: Vec<Protocol>,
        mut warnings: Vec<Warning>,
    ) -> Self {
        protocols.sort_by(|a, b| a.name.cmp(&b.name));
        warnings.extend(duplicate_warnings(&protocols));
        Self { version, protocols, warnings }
    }

    /// The version the source declared.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Every protocol, sorted by name.
    pub fn protocols(&self) -> &[Protocol] {
        &self.protocols
    }

    /// One protocol by name.
    pub fn protocol(&self, name: &str) -> Option<&Protocol> {
        self.protocols
            .binary_search_by(|protocol| protocol.name.as_str().cmp(name))
            .ok()
            .and_then(|at| self.protocols.get(at))
    }

    /// The number of `configurations` entries over all protocols.
    pub fn configuration_count(&self) -> usize {
        self.protocols.iter().map(|protocol| protocol.configurations.len()).sum()
    }

    /// What loading logged: duplicates, skipped definitions, unknown specifiers.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    pub(crate) fn into_parts(self) -> (Version, Vec<Protocol>) {
        (self.version, self.protocols)
    }
}

/// Every definition of a protocol: `defaults` first, then `configurations` in order.
pub(crate) fn definitions(protocol: &Protocol) -> impl Iterator<Item = &Definition> {
    protocol.defaults.iter().chain(protocol.configurations.iter())
}

/// One warning per duplicate the public files are known to contain (docs/DEVICE_CONFIG.md 1.1).
fn duplicate_warnings(protocols: &[Protocol]) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut ids: BTreeMap<Uuid, usize> = BTreeMap::new();
    for protocol in protocols {
        let mut identifiers: BTreeMap<&str, usize> = BTreeMap::new();
        for definition in definitions(protocol) {
            *ids.entry(definition.id).or_default() += 1;
            for identifier in &definition.identifiers {
                *identifiers.entry(identifier).or_default() += 1;
            }
            let mut feature_ids: HashMap<Uuid, usize> = HashMap::new();
            for feature in definition.own_features().unwrap_or_default() {
                *feature_ids.entry(feature.id).or_default() += 1;
            }
            let mut shared: Vec<_> =
                feature_ids.into_iter().filter(|(_, count)| *count > 1).collect();
            shared.sort_unstable();
            warnings.extend(shared.into_iter().map(|(id, count)| Warning::DuplicateFeatureId {
                protocol: protocol.name.clone(),
                device: definition.name.clone(),
                id,
                count,
            }));
        }
        warnings.extend(identifiers.into_iter().filter(|(_, count)| *count > 1).map(
            |(identifier, count)| Warning::DuplicateIdentifier {
                protocol: protocol.name.clone(),
                identifier: identifier.to_owned(),
                count,
            },
        ));
    }
    warnings.extend(
        ids.into_iter()
            .filter(|(_, count)| *count > 1)
            .map(|(id, count)| Warning::DuplicateDefinitionId { id, count }),
    );
    for warning in &warnings {
        warning.log();
    }
    warnings
}
