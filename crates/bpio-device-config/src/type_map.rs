//! [`TypeMap`]: the outputs or inputs of one feature, keyed by type; a BLE protocol's services.
//!
//! A feature has one or two outputs and at most a few inputs, and the database holds about 1700
//! features that live as long as the program. A `BTreeMap` allocates a node with room for eleven
//! entries for each of them (about 560 bytes for outputs); a sorted boxed slice holds exactly
//! the entries there are (about 52 bytes for one output), and a lookup in two or three entries
//! costs no more. The same holds for the 200 or so BLE services of the database and the two or
//! three endpoints of each.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A small map from a type to its properties, sorted by key, with exactly as much room as it
/// has entries. Read it as a `BTreeMap`; it is built whole (by `collect` or `From`), as a
/// feature's outputs and inputs are fixed once loaded.
#[derive(Clone, PartialEq, Eq)]
pub struct TypeMap<K, V> {
    entries: Box<[(K, V)]>,
}

impl<K, V> TypeMap<K, V> {
    /// The map with no entries (allocates nothing).
    pub fn new() -> Self {
        Self { entries: Box::default() }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.entries.iter().map(split as fn(&(K, V)) -> (&K, &V))
    }

    /// Entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.entries.iter_mut().map(split_mut as fn(&mut (K, V)) -> (&K, &mut V))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(key, _)| key)
    }

    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, value)| value)
    }
}

impl<K: Ord, V> TypeMap<K, V> {
    /// The value for `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        let at = self.position(key)?;
        self.entries.get(at).map(|(_, value)| value)
    }

    /// The value for `key`, mutable.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let at = self.position(key)?;
        self.entries.get_mut(at).map(|(_, value)| value)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &K) -> bool {
        self.position(key).is_some()
    }

    fn position(&self, key: &K) -> Option<usize> {
        self.entries.binary_search_by(|(probe, _)| probe.cmp(key)).ok()
    }
}

fn split<K, V>((key, value): &(K, V)) -> (&K, &V) {
    (key, value)
}

fn split_mut<K, V>((key, value): &mut (K, V)) -> (&K, &mut V) {
    (key, value)
}

/// Iterator over `(&K, &V)`.
pub type Iter<'a, K, V> =
    std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

/// Iterator over `(&K, &mut V)`.
pub type IterMut<'a, K, V> =
    std::iter::Map<std::slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> (&'a K, &'a mut V)>;

impl<K, V> Default for TypeMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for TypeMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// As a `BTreeMap` collects: in key order, and the last value given for a key wins.
impl<K: Ord, V> FromIterator<(K, V)> for TypeMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        iter.into_iter().collect::<BTreeMap<K, V>>().into()
    }
}

impl<K, V> From<BTreeMap<K, V>> for TypeMap<K, V> {
    fn from(map: BTreeMap<K, V>) -> Self {
        // `into_boxed_slice` drops any spare room, so the map holds exactly its entries.
        Self { entries: map.into_iter().collect::<Vec<_>>().into_boxed_slice() }
    }
}

impl<K, V> IntoIterator for TypeMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_vec().into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a TypeMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut TypeMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// Written as the map it reads as.
impl<K: Serialize, V: Serialize> Serialize for TypeMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Read as a `BTreeMap` is: a key given twice keeps its last value.
impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for TypeMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::TypeMap;

    fn check_reads_as_a_btree_map(pairs: Vec<(u8, u32)>) -> Result<(), TestCaseError> {
        let tree: BTreeMap<u8, u32> = pairs.iter().copied().collect();
        let mut map: TypeMap<u8, u32> = pairs.into_iter().collect();
        prop_assert_eq!(map.len(), tree.len());
        prop_assert_eq!(map.is_empty(), tree.is_empty());
        prop_assert!(map.iter().eq(tree.iter()));
        prop_assert!(map.keys().eq(tree.keys()));
        prop_assert!(map.values().eq(tree.values()));
        for key in 0..=u8::MAX {
            prop_assert_eq!(map.get(&key), tree.get(&key));
            prop_assert_eq!(map.contains_key(&key), tree.contains_key(&key));
        }
        for (_, value) in &mut map {
            *value = value.wrapping_add(1);
        }
        let bumped: BTreeMap<u8, u32> =
            tree.into_iter().map(|(key, value)| (key, value.wrapping_add(1))).collect();
        prop_assert!(map.into_iter().eq(bumped));
        Ok(())
    }

    proptest! {
        #[test]
        fn reads_as_a_btree_map(pairs in proptest::collection::vec((0..12_u8, any::<u32>()), 0..8)) {
            check_reads_as_a_btree_map(pairs)?;
        }
    }

    #[test]
    fn the_last_value_for_a_key_wins() {
        let map: TypeMap<u8, &str> = [(2, "a"), (1, "b"), (2, "c")].into_iter().collect();
        assert_eq!(map.iter().collect::<Vec<_>>(), [(&1, &"b"), (&2, &"c")]);
    }

    #[test]
    fn serde_reads_and_writes_it_as_a_map() {
        let map: TypeMap<String, u8> = serde_json::from_str(r#"{"b": 2, "a": 1, "b": 3}"#).unwrap();
        assert_eq!(format!("{map:?}"), r#"{"a": 1, "b": 3}"#);
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"a":1,"b":3}"#);
    }

    #[test]
    fn get_mut_changes_one_value() {
        let mut map: TypeMap<u8, u32> = [(1, 10), (3, 30)].into_iter().collect();
        *map.get_mut(&3).unwrap() += 1;
        assert_eq!(map.get_mut(&2), None);
        assert_eq!(format!("{map:?}"), "{1: 10, 3: 31}");
    }
}
