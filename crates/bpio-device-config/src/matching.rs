//! Finding the protocols whose recognition rules fit a discovered device (docs/DEVICE_CONFIG.md
//! 3.7).
//!
//! Every rule is indexed by what a backend observes (exact name, name prefix, company id,
//! service UUID, port, USB ids, identifier), so a lookup costs a few hash probes per observed
//! value instead of a scan over every protocol.

use std::collections::HashMap;

use bpio_hardware::{Advertisement, UsbId, Uuid};

use crate::communication::Specifier;

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

/// Lookup tables over every rule.
#[derive(Debug, Default)]
pub(crate) struct MatchIndex {
    exact_names: HashMap<String, Vec<Entry>>,
    prefixes: HashMap<String, Vec<Entry>>,
    companies: HashMap<u16, Vec<CompanyRule>>,
    services: HashMap<Uuid, Vec<Entry>>,
    ports: HashMap<String, Vec<Entry>>,
    hid: HashMap<UsbId, Vec<Entry>>,
    usb: HashMap<UsbId, Vec<Entry>>,
    websocket: HashMap<String, Vec<Entry>>,
    simulated: HashMap<String, Vec<Entry>>,
    gamepad: Vec<Entry>,
    lovense_connect: Vec<Entry>,
}

impl MatchIndex {
    /// Adds the rules of protocol number `protocol`.
    pub(crate) fn add(&mut self, protocol: usize, layer: Layer, rules: &[Specifier]) {
        for (rule, specifier) in rules.iter().enumerate() {
            let entry = Entry { protocol, layer, rule };
            match specifier {
                Specifier::Btle(btle) => {
                    for name in &btle.names {
                        match name.strip_suffix('*') {
                            Some(prefix) => {
                                self.prefixes.entry(prefix.to_owned()).or_default().push(entry)
                            }
                            None => self.exact_names.entry(name.clone()).or_default().push(entry),
                        }
                    }
                    for data in &btle.manufacturer_data {
                        self.companies
                            .entry(data.company)
                            .or_default()
                            .push((entry, data.data.clone()));
                    }
                    for service in &btle.advertised_services {
                        self.services.entry(*service).or_default().push(entry);
                    }
                }
                Specifier::Serial(serial) => {
                    self.ports.entry(serial.port.clone()).or_default().push(entry)
                }
                Specifier::Hid(ids) => {
                    ids.pairs.iter().for_each(|id| self.hid.entry(*id).or_default().push(entry))
                }
                Specifier::Usb(ids) => {
                    ids.pairs.iter().for_each(|id| self.usb.entry(*id).or_default().push(entry))
                }
                Specifier::Xinput | Specifier::SdlGamepad => self.gamepad.push(entry),
                Specifier::LovenseConnectService => self.lovense_connect.push(entry),
                Specifier::Websocket(ws) => {
                    self.websocket.entry(ws.name.clone()).or_default().push(entry)
                }
                Specifier::Simulated(sim) => {
                    sim.names.iter().for_each(|name| {
                        self.simulated.entry(name.clone()).or_default().push(entry)
                    });
                }
            }
        }
    }

    /// Candidate protocols, best first: user before base, then by match kind, then by name.
    /// `rule` gives an entry's protocol name and rule.
    pub(crate) fn candidates<'s>(
        &self,
        advertisement: &Advertisement<'_>,
        rule: impl Fn(Entry) -> Option<(&'s str, &'s Specifier)>,
    ) -> Vec<Candidate<'s>> {
        let mut hits: Vec<(Entry, MatchKind)> = Vec::new();
        let add = |hits: &mut Vec<(Entry, MatchKind)>, entries: Option<&Vec<Entry>>, kind| {
            hits.extend(entries.into_iter().flatten().map(|entry| (*entry, kind)));
        };
        match advertisement {
            Advertisement::Btle { name, manufacturer_data, services } => {
                add(&mut hits, self.exact_names.get(*name), MatchKind::Exact);
                // Every prefix of the name is one probe; names are short.
                for (end, _) in
                    name.char_indices().skip(1).chain(std::iter::once((name.len(), ' ')))
                {
                    add(
                        &mut hits,
                        name.get(..end).and_then(|prefix| self.prefixes.get(prefix)),
                        MatchKind::Wildcard,
                    );
                }
                add(&mut hits, self.prefixes.get(""), MatchKind::Wildcard);
                for seen in *manufacturer_data {
                    let rules = self.companies.get(&seen.company).into_iter().flatten();
                    for (entry, wanted) in rules {
                        if data_matches(wanted.as_deref(), seen.data) {
                            hits.push((*entry, MatchKind::ManufacturerData));
                        }
                    }
                }
                for service in *services {
                    add(&mut hits, self.services.get(service), MatchKind::AdvertisedService);
                }
            }
            Advertisement::Serial { port } => {
                add(&mut hits, self.ports.get(*port), MatchKind::Exact)
            }
            Advertisement::Hid(id) => add(&mut hits, self.hid.get(id), MatchKind::Exact),
            Advertisement::Usb(id) => add(&mut hits, self.usb.get(id), MatchKind::Exact),
            Advertisement::Websocket { identifier } => {
                add(&mut hits, self.websocket.get(*identifier), MatchKind::Exact)
            }
            Advertisement::Simulated { identifier } => {
                add(&mut hits, self.simulated.get(*identifier), MatchKind::Exact)
            }
            Advertisement::Gamepad => add(&mut hits, Some(&self.gamepad), MatchKind::Transport),
            Advertisement::LovenseConnect => {
                add(&mut hits, Some(&self.lovense_connect), MatchKind::Transport)
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
