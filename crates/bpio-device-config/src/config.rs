//! The base database and the user configuration together: matching, definition lookup, user
//! records, allow/deny and index reservation (docs/DEVICE_CONFIG.md 3.7, 6, 7).

use std::collections::HashMap;

use bpio_protocol::v4;

use crate::base::BaseDatabase;
use crate::communication::{BtleSpecifier, Specifier};
use crate::definition::{Definition, Protocol};
use crate::error::{Error, Warning};
use crate::feature::features_to_protocol;
use bpio_hardware::Advertisement;

use crate::matching::{Candidate, Layer, MatchIndex};
use crate::public::Version;
use crate::table::Table;
use crate::user::{
    DeviceKey, DeviceRecord, FeatureOverride, UserConfig, UserProtocol, UserSettings,
};
use bpio_hardware::Uuid;

/// A device database ready for use: the base database plus the user's configuration, indexed.
///
/// The base part never changes after construction; applying a user config rebuilds only the
/// derived tables, and a user config that fails to parse changes nothing.
#[derive(Debug)]
pub struct DeviceConfig {
    base_version: Version,
    protocols: Vec<Entry>,
    by_name: HashMap<String, usize>,
    index: MatchIndex,
    /// Per protocol: the identifiers its configurations list, sorted, each once, the last
    /// listing winning (rule I).
    identifiers: Vec<Box<[Listing]>>,
    /// Every definition by id, in file order among equal ids (rule D).
    ids: Table<Uuid, DefRef>,
    user: UserConfig,
    records: HashMap<DeviceKey, UserDefinition>,
    warnings: Vec<Warning>,
}

#[derive(Debug, Default)]
struct Entry {
    base: Protocol,
    user: UserProtocol,
}

/// Where a protocol's configuration lists an identifier: the string stays in the definition,
/// so the table is 12 bytes an identifier instead of a copy of each and a hash map.
#[derive(Debug, Clone, Copy)]
struct Listing {
    user: bool,
    configuration: u32,
    identifier: u32,
}

impl Listing {
    fn reference(self, protocol: usize) -> DefRef {
        let configuration = self.configuration as usize;
        if self.user {
            DefRef::User(protocol, configuration)
        } else {
            DefRef::Base(protocol, configuration)
        }
    }
}

impl Entry {
    /// The recognition rules of `layer`: the match index holds positions in this list, so it is
    /// built from it and looked up through it.
    fn rules(&self, layer: Layer) -> &[Specifier] {
        match layer {
            Layer::User => &self.user.communication,
            Layer::Base => &self.base.communication,
        }
    }

    /// The identifier `listing` names in this protocol.
    fn identifier(&self, listing: Listing) -> &str {
        let configurations =
            if listing.user { &self.user.configurations } else { &self.base.configurations };
        configurations
            .get(listing.configuration as usize)
            .and_then(|definition| definition.identifiers.get(listing.identifier as usize))
            .map_or("", String::as_str)
    }

    /// The sorted identifier table of this protocol (rule I: the last listing wins).
    fn listings(&self) -> Box<[Listing]> {
        let layers = [(false, &self.base.configurations), (true, &self.user.configurations)];
        let mut listings: Vec<Listing> = layers
            .into_iter()
            .flat_map(|(user, configurations)| {
                configurations.iter().enumerate().flat_map(move |(configuration, definition)| {
                    (0..definition.identifiers.len()).map(move |identifier| Listing {
                        user,
                        // Lists of 2^32 entries do not fit in memory.
                        configuration: u32::try_from(configuration).unwrap_or(u32::MAX),
                        identifier: u32::try_from(identifier).unwrap_or(u32::MAX),
                    })
                })
            })
            .collect();
        // Stable, so equal identifiers stay in listing order and the last of each run wins.
        listings.sort_by(|a, b| self.identifier(*a).cmp(self.identifier(*b)));
        let mut kept: Vec<Listing> = Vec::with_capacity(listings.len());
        for listing in listings {
            match kept.last_mut() {
                Some(last) if self.identifier(*last) == self.identifier(listing) => *last = listing,
                _ => kept.push(listing),
            }
        }
        kept.into_boxed_slice()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefRef {
    Defaults(usize),
    Base(usize, usize),
    User(usize, usize),
}

/// A user record resolved against its base definition (docs/DEVICE_CONFIG.md 6.5).
#[derive(Debug)]
pub(crate) struct UserDefinition {
    pub(crate) protocol: usize,
    pub(crate) record: usize,
    pub(crate) definition: Definition,
}

/// Where a resolved definition came from (docs/DEVICE_CONFIG.md 7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A user record for the exact device.
    UserRecord,
    /// A configuration listing the identifier.
    Configuration,
    /// The protocol's defaults.
    Defaults,
}

/// The definition a device resolves to.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    /// Protocol name.
    pub protocol: &'a str,
    /// The definition; for a user record, the base definition with the user's limits applied.
    pub definition: &'a Definition,
    /// Which lookup step found it.
    pub source: Source,
    /// The user record, for [`Source::UserRecord`].
    pub record: Option<&'a DeviceRecord>,
}

impl<'a> Resolved<'a> {
    /// `DeviceName`.
    pub fn name(&self) -> &'a str {
        &self.definition.name
    }

    /// `DeviceDisplayName`.
    pub fn display_name(&self) -> Option<&'a str> {
        self.record.and_then(|record| record.settings.display_name.as_deref())
    }

    /// The reserved index from the user record.
    pub fn index(&self) -> Option<u32> {
        self.record.map(|record| record.settings.index)
    }

    /// The configured gap: the user's, else the definition's (docs/DEVICE_CONFIG.md 6.4, 7.5).
    pub fn message_gap_ms(&self) -> Option<u32> {
        self.record
            .and_then(|record| record.settings.message_gap_ms)
            .or(self.definition.message_gap_ms)
    }

    /// The gap the server enforces, given the backend's default.
    pub fn timing_gap_ms(&self, backend_default_ms: u32) -> u32 {
        self.message_gap_ms().unwrap_or(backend_default_ms)
    }

    /// The wire `Device` object for `DeviceList`.
    pub fn to_protocol_device(&self, device_index: u32, timing_gap_ms: u32) -> v4::Device {
        v4::Device {
            device_index,
            device_name: self.definition.name.clone(),
            device_display_name: self.display_name().map(str::to_owned),
            device_message_timing_gap: timing_gap_ms,
            device_features: features_to_protocol(&self.definition.features),
        }
    }
}

impl DeviceConfig {
    /// The database with no user configuration.
    pub fn new(base: BaseDatabase) -> Self {
        let (base_version, protocols) = base.into_parts();
        let protocols = protocols
            .into_iter()
            .map(|base| Entry { base, user: UserProtocol::default() })
            .collect();
        let mut config = Self {
            base_version,
            protocols,
            by_name: HashMap::new(),
            index: MatchIndex::default(),
            identifiers: Vec::new(),
            ids: Table::default(),
            user: UserConfig::default(),
            records: HashMap::new(),
            warnings: Vec::new(),
        };
        config.rebuild();
        config
    }

    /// The embedded database with no user configuration.
    pub fn embedded() -> Result<Self, Error> {
        BaseDatabase::embedded().map(Self::new)
    }

    /// Parses and applies a user config file. On error nothing changes: the base database and
    /// any user config applied before stay in force.
    pub fn apply_user_json(&mut self, text: &str) -> Result<&[Warning], Error> {
        let user = UserConfig::from_json(text)?;
        Ok(self.apply_user_config(user))
    }

    /// Replaces the user configuration; returns what was dropped or skipped.
    pub fn apply_user_config(&mut self, mut user: UserConfig) -> &[Warning] {
        for entry in &mut self.protocols {
            entry.user = UserProtocol::default();
        }
        for (name, additions) in std::mem::take(&mut user.protocols) {
            match self.protocols.binary_search_by(|entry| entry.base.name.cmp(&name)) {
                Ok(at) => {
                    if let Some(entry) = self.protocols.get_mut(at) {
                        entry.user = additions;
                    }
                }
                Err(at) => {
                    let base = Protocol { name, ..Protocol::default() };
                    self.protocols.insert(at, Entry { base, user: additions });
                }
            }
        }
        self.user = user;
        self.rebuild();
        &self.warnings
    }

    /// The version of the base database.
    pub fn base_version(&self) -> Version {
        self.base_version
    }

    /// The user configuration in force (protocol additions are held per protocol, not here).
    pub fn user_config(&self) -> &UserConfig {
        &self.user
    }

    /// The user's additions to one protocol.
    pub fn user_protocol(&self, name: &str) -> Option<&UserProtocol> {
        self.entry(name).map(|entry| &entry.user)
    }

    /// The base data of one protocol (empty for a protocol only the user file names).
    pub fn protocol(&self, name: &str) -> Option<&Protocol> {
        self.entry(name).map(|entry| &entry.base)
    }

    /// Warnings from applying the user configuration (parsing warnings included).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Every `btle` specifier, of the user config and of the base database: what a Bluetooth LE
    /// backend may narrow its scan reports to.
    pub fn btle_specifiers(&self) -> impl Iterator<Item = &BtleSpecifier> {
        self.protocols
            .iter()
            .flat_map(|entry| entry.user.communication.iter().chain(&entry.base.communication))
            .filter_map(|specifier| match specifier {
                Specifier::Btle(btle) => Some(btle),
                _ => None,
            })
    }

    /// Candidate protocols for a discovered device, best first (docs/DEVICE_CONFIG.md 3.7). The
    /// caller skips protocols it has no implementation for.
    pub fn candidates(&self, advertisement: &Advertisement<'_>) -> Vec<Candidate<'_>> {
        self.index.candidates(advertisement, |at| {
            let entry = self.protocols.get(at.protocol)?;
            Some((entry.base.name.as_str(), entry.rules(at.layer).get(at.rule)?))
        })
    }

    /// Every recognition rule of every protocol, the user's first. Backends that open devices
    /// by name instead of discovering them (serial ports named by path) look here.
    pub fn specifiers(&self) -> impl Iterator<Item = &Specifier> {
        let user = self.protocols.iter().flat_map(|entry| &entry.user.communication);
        user.chain(self.protocols.iter().flat_map(|entry| &entry.base.communication))
    }

    /// Whether a device at `address` may connect (docs/DEVICE_CONFIG.md 6.6).
    pub fn is_allowed(&self, address: &str) -> bool {
        let records = || self.user.devices.iter().filter(|record| record.key.address == address);
        if records().any(|record| record.settings.deny) {
            return false;
        }
        let allow_list_used = self.user.devices.iter().any(|record| record.settings.allow);
        !allow_list_used || records().any(|record| record.settings.allow)
    }

    /// The definition for a device (docs/DEVICE_CONFIG.md 7.3): its user record, else the
    /// configuration listing `identifier`, else the protocol's defaults.
    pub fn resolve(
        &self,
        address: &str,
        protocol: &str,
        identifier: Option<&str>,
    ) -> Option<Resolved<'_>> {
        let key = DeviceKey {
            address: address.to_owned(),
            protocol: protocol.to_owned(),
            identifier: identifier.map(str::to_owned),
        };
        if let Some(user) = self.records.get(&key) {
            let entry = self.protocols.get(user.protocol)?;
            return Some(Resolved {
                protocol: &entry.base.name,
                definition: &user.definition,
                source: Source::UserRecord,
                record: self.user.devices.get(user.record),
            });
        }
        let at = *self.by_name.get(protocol)?;
        let (reference, source) = self.lookup_model(at, identifier)?;
        Some(Resolved {
            protocol: &self.protocols.get(at)?.base.name,
            definition: self.definition(reference)?,
            source,
            record: None,
        })
    }

    /// Admission in one call: allow/deny, the best candidate, and its definition, using the
    /// advertised name as the identifier. Protocols that query the device for an identifier
    /// should call [`Self::candidates`] and [`Self::resolve`] instead.
    pub fn find(&self, advertisement: &Advertisement<'_>, address: &str) -> Option<Resolved<'_>> {
        if !self.is_allowed(address) {
            return None;
        }
        let candidate = self.candidates(advertisement).into_iter().next()?;
        self.resolve(address, candidate.protocol, advertisement.default_identifier())
    }

    /// The smallest index no user record holds (docs/DEVICE_CONFIG.md 7.4).
    pub fn next_free_index(&self) -> u32 {
        let mut used: Vec<u32> =
            self.user.devices.iter().map(|record| record.settings.index).collect();
        used.sort_unstable();
        let mut next = 0_u32;
        for index in used {
            if index == next {
                next = next.saturating_add(1);
            } else if index > next {
                break;
            }
        }
        next
    }

    /// Creates the in-memory user record for a device resolved from base data
    /// (docs/DEVICE_CONFIG.md 7.3 cases 2 and 3): fresh ids from `new_id`, no limits, the next free
    /// index. Returns the existing record when there is one, `None` when the device resolves to
    /// nothing.
    pub fn remember(
        &mut self,
        key: &DeviceKey,
        mut new_id: impl FnMut() -> Uuid,
    ) -> Option<&DeviceRecord> {
        let resolved = self.resolve(&key.address, &key.protocol, key.identifier.as_deref())?;
        if resolved.source == Source::UserRecord {
            let at = self.records.get(key)?.record;
            return self.user.devices.get(at);
        }
        let base = resolved.definition;
        let record = DeviceRecord {
            key: key.clone(),
            id: new_id(),
            base_id: base.id,
            features: base
                .features
                .iter()
                .map(|feature| FeatureOverride {
                    id: new_id(),
                    base_id: feature.id,
                    outputs: Default::default(),
                })
                .collect(),
            settings: UserSettings { index: self.next_free_index(), ..UserSettings::default() },
        };
        let definition = base.clone();
        let protocol = *self.by_name.get(&key.protocol)?;
        let at = self.user.devices.len();
        self.user.devices.push(record);
        let mut definition = definition;
        definition.id = self.user.devices.get(at)?.id;
        self.records.insert(key.clone(), UserDefinition { protocol, record: at, definition });
        self.user.devices.get(at)
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.by_name.get(name).and_then(|at| self.protocols.get(*at))
    }

    pub(crate) fn definition(&self, reference: DefRef) -> Option<&Definition> {
        match reference {
            DefRef::Defaults(p) => self.protocols.get(p)?.base.defaults.as_ref(),
            DefRef::Base(p, c) => self.protocols.get(p)?.base.configurations.get(c),
            DefRef::User(p, c) => self.protocols.get(p)?.user.configurations.get(c),
        }
    }

    /// docs/DEVICE_CONFIG.md 7.3 steps 2 and 3.
    fn lookup_model(&self, protocol: usize, identifier: Option<&str>) -> Option<(DefRef, Source)> {
        let listed = identifier.and_then(|identifier| {
            let entry = self.protocols.get(protocol)?;
            let listings = self.identifiers.get(protocol)?;
            let at = listings
                .binary_search_by(|listing| entry.identifier(*listing).cmp(identifier))
                .ok()?;
            Some(listings.get(at)?.reference(protocol))
        });
        match listed {
            Some(reference) => Some((reference, Source::Configuration)),
            None => {
                self.protocols.get(protocol)?.base.defaults.as_ref()?;
                Some((DefRef::Defaults(protocol), Source::Defaults))
            }
        }
    }

    /// Rebuilds every derived table from `protocols` and `user`.
    fn rebuild(&mut self) {
        self.by_name = self
            .protocols
            .iter()
            .enumerate()
            .map(|(at, entry)| (entry.base.name.clone(), at))
            .collect();
        self.index = MatchIndex::default();
        // User rules first so that, at equal rank, they keep their place (the sort also orders
        // by layer).
        for layer in [Layer::User, Layer::Base] {
            for (at, entry) in self.protocols.iter().enumerate() {
                self.index.add(at, layer, entry.rules(layer));
            }
        }
        self.index.finish();
        self.identifiers = self.protocols.iter().map(Entry::listings).collect();
        self.ids.clear();
        for (p, entry) in self.protocols.iter().enumerate() {
            if let Some(defaults) = &entry.base.defaults {
                self.ids.push(defaults.id, DefRef::Defaults(p));
            }
            for (c, definition) in entry.base.configurations.iter().enumerate() {
                self.ids.push(definition.id, DefRef::Base(p, c));
            }
        }
        for (p, entry) in self.protocols.iter().enumerate() {
            for (c, definition) in entry.user.configurations.iter().enumerate() {
                self.ids.push(definition.id, DefRef::User(p, c));
            }
        }
        self.ids.finish();
        self.warnings = std::mem::take(&mut self.user.warnings);
        let (records, dropped) = crate::records::resolve_records(self);
        self.records = records;
        self.warnings.extend(dropped);
        self.user.warnings = Vec::new();
    }

    pub(crate) fn user_records(&self) -> &[DeviceRecord] {
        &self.user.devices
    }

    pub(crate) fn protocol_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Every definition with `id`, in file order.
    pub(crate) fn definitions_with_id(&self, id: Uuid) -> impl Iterator<Item = DefRef> + '_ {
        self.ids.get(&id).copied()
    }

    pub(crate) fn model_for(&self, protocol: usize, identifier: Option<&str>) -> Option<DefRef> {
        self.lookup_model(protocol, identifier).map(|(reference, _)| reference)
    }

    pub(crate) const fn protocol_of(reference: DefRef) -> usize {
        match reference {
            DefRef::Defaults(p) | DefRef::Base(p, _) | DefRef::User(p, _) => p,
        }
    }
}
