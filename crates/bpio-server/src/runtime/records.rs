//! The device records of a run (PROTOCOL.md 10.1): the index given to each device, kept after it
//! leaves so that it gets the same index when it comes back.
//!
//! Records of devices that left are kept up to a limit, after which the one that left longest ago
//! is forgotten: a device port that sees ever new addresses (a misbehaving device, or a stranger
//! on the network) must not grow the hub for as long as it runs.

use std::collections::{BTreeMap, VecDeque};

/// What identifies a physical device: (address, protocol, identifier).
pub(super) type Key = (String, String, Option<String>);

/// Records of departed devices kept by default: far more devices than one user owns.
pub(super) const DEPARTED_KEPT: usize = 1024;

#[derive(Debug)]
pub(super) struct Records {
    index: BTreeMap<Key, u32>,
    /// Devices that left, the longest gone first; a device that is back is not in it.
    departed: VecDeque<Key>,
    departed_kept: usize,
}

impl Records {
    pub(super) fn new(departed_kept: usize) -> Self {
        Self { index: BTreeMap::new(), departed: VecDeque::new(), departed_kept }
    }

    /// The index of the device `key`, if it has a record.
    pub(super) fn index(&self, key: &Key) -> Option<u32> {
        self.index.get(key).copied()
    }

    /// Device `key` is connected at `index`.
    pub(super) fn connected(&mut self, key: Key, index: u32) {
        self.departed.retain(|departed| *departed != key);
        self.index.insert(key, index);
    }

    /// Device `key` left; its record is kept while fewer than the limit have left since.
    pub(super) fn departed(&mut self, key: Key) {
        self.departed.retain(|departed| *departed != key);
        self.departed.push_back(key);
        while self.departed.len() > self.departed_kept {
            if let Some(forgotten) = self.departed.pop_front() {
                self.index.remove(&forgotten);
            }
        }
    }

    /// Every index a record holds.
    pub(super) fn indexes(&self) -> impl Iterator<Item = u32> + '_ {
        self.index.values().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(address: &str) -> Key {
        (address.to_owned(), "lovense".to_owned(), Some("Z".to_owned()))
    }

    #[test]
    fn departed_devices_keep_their_index_up_to_the_limit_and_the_longest_gone_is_forgotten() {
        let mut records = Records::new(2);
        for (n, address) in ["a", "b", "c", "d"].into_iter().enumerate() {
            records.connected(key(address), u32::try_from(n).unwrap());
        }
        records.departed(key("a"));
        records.departed(key("b"));
        assert_eq!((records.index(&key("a")), records.index(&key("b"))), (Some(0), Some(1)));
        // "a" comes back and leaves again: now "b" has been gone longest.
        records.connected(key("a"), 0);
        records.departed(key("a"));
        records.departed(key("c"));
        assert_eq!(records.index(&key("b")), None, "forgotten");
        assert_eq!(records.index(&key("a")), Some(0));
        assert_eq!(records.index(&key("c")), Some(2));
        // Connected devices are never forgotten, however many leave.
        for n in 0..100 {
            records.connected(key(&format!("passer-{n}")), 10 + n);
            records.departed(key(&format!("passer-{n}")));
        }
        assert_eq!(records.index(&key("d")), Some(3));
        assert_eq!(records.indexes().count(), 3, "d and the two that left last");
    }
}
