//! Finding the protocols whose recognition rules fit a discovered device (docs/DEVICE_CONFIG.md
//! 3.7).
//!
//! Every rule is indexed by what a backend observes (exact name, name prefix, company id,
//! service UUID, port, USB ids, identifier), so a lookup costs a binary search per observed
//! value instead of a scan over every protocol.

use bpio_hardware::{Advertisement, UsbId, Uuid};

use crate::communication::Specifier;
use crate::table::Table;

/// Whether a rule comes from the user file (tried first) or the base database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// `user_configs.protocols.<name>.communication`.
    User,
    /// The base database.
    Base,
}

/// How a rule matched, best first (the tie-break order of docs/DEVICE_CONFIG.md 3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// Name equal to a `names` entry, or the port, ids or identifier equal.
    Exact,
    /// Name starting with a `names` entry's text before `*`.
    Wildcard,
    /// Manufacturer data.
    ManufacturerData,
    /// An advertised service.
    AdvertisedService,
    /// Transport alone (game controllers, Lovense Connect).
    Transport,
}

/// A protocol that may drive a discovered device.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Protocol name.
    pub protocol: &'a str,
    /// Where the best matching rule came from.
    pub layer: Layer,
    /// How the best rule matched.
    pub kind: MatchKind,
    /// The best matching rule (BLE services, serial line settings...).
    pub specifier: &'a Specifier,
}

/// A rule's place: protocol number (in name order), layer, and the rule's position among that
/// protocol's rules of that layer. The rules themselves stay with their protocols.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) protocol: usize,
    pub(crate) layer: Layer,
    pub(crate) rule: usize,
}

/// A manufacturer-data rule: where it is and the bytes it wants (`None`: any).
type CompanyRule = (Entry, Option<Vec<u8>>);

/// The rules with one key.
type Rules<K> = Table<K, Entry>;

/// Lookup tables over every rule.
#[derive(Debug, Default)]
pub(crate) struct MatchIndex {
    exact_names: Rules<Box<str>>,
    prefixes: Rules<Box<str>>,
    companies: Table<u16, CompanyRule>,
    services: Rules<Uuid>,
    ports: Rules<Box<str>>,
    hid: Rules<UsbId>,
    usb: Rules<UsbId>,
    websocket: Rules<Box<str>>,
    simulated: Rules<Box<str>>,
    gamepad: Vec<Entry>,
    lovense_connect: Vec<Entry>,
}

impl MatchIndex {
    /// Adds the rules of protocol number `protocol`; [`Self::finish`] once every protocol's are in.
    pub(crate) fn add(&mut self, protocol: usize, layer: Layer, rules: &[Specifier]) {
        for (rule, specifier) in rules.iter().enumerate() {
            let entry = Entry { protocol, layer, rule };
            match specifier {
                Specifier::Btle(btle) => {
                    for name in &btle.names {
                        match name.strip_suffix('*') {
                            Some(prefix) => self.prefixes.push(prefix.into(), entry),
                            None => self.exact_names.push(name.as_str().into(), entry),
                        }
                    }
                    for data in &btle.manufacturer_data {
                        self.companies.push(data.company, (entry, data.data.clone()));
                    }
                    for service in &btle.advertised_services {
                        self.services.push(*service, entry);
                    }
                }
                Specifier::Serial(serial) => self.ports.push(serial.port.as_str().into(), entry),
                Specifier::Hid(ids) => ids.pairs.iter().for_each(|id| self.hid.push(*id, entry)),
                Specifier::Usb(ids) => ids.pairs.iter().for_each(|id| self.usb.push(*id, entry)),
                Specifier::Xinput | Specifier::SdlGamepad => self.gamepad.push(entry),
                Specifier::LovenseConnectService => self.lovense_connect.push(entry),
                Specifier::Websocket(ws) => self.websocket.push(ws.name.as_str().into(), entry),
                Specifier::Simulated(sim) => {
                    sim.names
                        .iter()
                        .for_each(|name| self.simulated.push(name.as_str().into(), entry));
                }
            }
        }
    }

    /// Sorts the tables for lookup, after the last [`Self::add`].
    pub(crate) fn finish(&mut self) {
        self.exact_names.finish();
        self.prefixes.finish();
        self.companies.finish();
        self.services.finish();
        self.ports.finish();
        self.hid.finish();
        self.usb.finish();
        self.websocket.finish();
        self.simulated.finish();
        self.gamepad.shrink_to_fit();
        self.lovense_connect.shrink_to_fit();
    }

    /// Candidate protocols, best first: user before base, then by match kind, then by name.
    /// `rule` gives an entry's protocol name and rule.
    pub(crate) fn candidates<'s>(
        &self,
        advertisement: &Advertisement<'_>,
        rule: impl Fn(Entry) -> Option<(&'s str, &'s Specifier)>,
    ) -> Vec<Candidate<'s>> {
        let mut hits: Vec<(Entry, MatchKind)> = Vec::new();
        let add = |hits: &mut Vec<(Entry, MatchKind)>,
                   entries: &mut dyn Iterator<Item = &Entry>,
                   kind| {
            hits.extend(entries.map(|entry| (*entry, kind)));
        };
        match advertisement {
            Advertisement::Btle { name, manufacturer_data, services } => {
                add(&mut hits, &mut self.exact_names.get(*name), MatchKind::Exact);
                // Every prefix of the name is one probe, the empty one included; names are short.
                for (end, _) in name.char_indices().chain(std::iter::once((name.len(), ' '))) {
                    let prefix = name.get(..end).unwrap_or_default();
                    add(&mut hits, &mut self.prefixes.get(prefix), MatchKind::Wildcard);
                }
                for seen in *manufacturer_data {
                    for (entry, wanted) in self.companies.get(&seen.company) {
                        if data_matches(wanted.as_deref(), seen.data) {
                            hits.push((*entry, MatchKind::ManufacturerData));
                        }
                    }
                }
                for service in *services {
                    add(&mut hits, &mut self.services.get(service), MatchKind::AdvertisedService);
                }
            }
            Advertisement::Serial { port } => {
                add(&mut hits, &mut self.ports.get(*port), MatchKind::Exact)
            }
            Advertisement::Hid(id) => add(&mut hits, &mut self.hid.get(id), MatchKind::Exact),
            Advertisement::Usb(id) => add(&mut hits, &mut self.usb.get(id), MatchKind::Exact),
            Advertisement::Websocket { identifier } => {
                add(&mut hits, &mut self.websocket.get(*identifier), MatchKind::Exact)
            }
            Advertisement::Simulated { identifier } => {
                add(&mut hits, &mut self.simulated.get(*identifier), MatchKind::Exact)
            }
            Advertisement::Gamepad => {
                add(&mut hits, &mut self.gamepad.iter(), MatchKind::Transport)
            }
            Advertisement::LovenseConnect => {
                add(&mut hits, &mut self.lovense_connect.iter(), MatchKind::Transport)
            }
        }
        hits.sort_by_key(|(entry, kind)| (entry.layer, *kind, entry.protocol, entry.rule));
        let mut seen_protocols = Vec::with_capacity(hits.len());
        let mut candidates = Vec::with_capacity(hits.len());
        for (entry, kind) in hits {
            if seen_protocols.contains(&entry.protocol) {
                continue;
            }
            seen_protocols.push(entry.protocol);
            if let Some((protocol, specifier)) = rule(entry) {
                candidates.push(Candidate { protocol, layer: entry.layer, kind, specifier });
            }
        }
        candidates
    }
}

/// docs/DEVICE_CONFIG.md 3.7: either side without data, equal data, or the shorter array occurring
/// as a contiguous run inside the longer one.
pub(crate) fn data_matches(wanted: Option<&[u8]>, seen: &[u8]) -> bool {
    let Some(wanted) = wanted else { return true };
    if wanted.is_empty() || seen.is_empty() {
        return true;
    }
    let (short, long) = if wanted.len() <= seen.len() { (wanted, seen) } else { (seen, wanted) };
    long.windows(short.len()).any(|window| window == short)
}

#[cfg(test)]
mod tests {
    use super::data_matches;

    #[test]
    fn manufacturer_data_rule() {
        assert!(data_matches(None, &[1, 2]));
        assert!(data_matches(Some(&[255, 33]), &[]));
        assert!(data_matches(Some(&[255, 33]), &[0, 255, 33, 7]));
        assert!(data_matches(Some(&[0, 255, 33, 7]), &[33, 7]));
        assert!(!data_matches(Some(&[255, 33]), &[255, 34]));
    }
}
