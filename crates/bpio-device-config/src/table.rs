//! [`Table`]: a multimap built whole, then read by binary search.
//!
//! The database's indexes (rules by name, port or id; definitions by id) are filled once when a
//! configuration is applied and then only read for the engine's life. A hash map of vectors held
//! a small vector (room for four) for each key, where almost every key has one value; sorted
//! rows hold exactly the pairs there are.

use std::borrow::Borrow;

/// Values by key: rows sorted by key once every pair is in ([`Table::finish`]).
#[derive(Debug)]
pub(crate) struct Table<K, V> {
    rows: Vec<(K, V)>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Self { rows: Vec::new() }
    }
}

impl<K: Ord, V> Table<K, V> {
    /// Adds a pair; [`Self::finish`] once every pair is in.
    pub(crate) fn push(&mut self, key: K, value: V) {
        self.rows.push((key, value));
    }

    /// Sorts the rows for lookup, after the last [`Self::push`].
    pub(crate) fn finish(&mut self) {
        // Stable: rows of one key keep the order they were added in.
        self.rows.sort_by(|(a, _), (b, _)| a.cmp(b));
        self.rows.shrink_to_fit();
    }

    /// Empties the table for pairs to be pushed anew.
    pub(crate) fn clear(&mut self) {
        self.rows.clear();
    }

    /// The values of `key`, in the order they were added.
    pub(crate) fn get<Q>(&self, key: &Q) -> impl Iterator<Item = &V> + use<'_, K, V, Q>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let start = self.rows.partition_point(|(row, _)| row.borrow() < key);
        let end = self.rows.partition_point(|(row, _)| row.borrow() <= key);
        self.rows[start..end].iter().map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn a_key_gives_its_values_in_the_order_they_were_added() {
        let mut table = Table::default();
        for (key, value) in [("b", 1), ("a", 2), ("b", 3), ("c", 4), ("b", 5)] {
            table.push(key.to_owned(), value);
        }
        table.finish();
        assert_eq!(table.get("b").copied().collect::<Vec<_>>(), [1, 3, 5]);
        assert_eq!(table.get("a").copied().collect::<Vec<_>>(), [2]);
        assert_eq!(table.get("").count(), 0);
        assert_eq!(table.get("d").count(), 0);
        table.clear();
        assert_eq!(table.get("b").count(), 0);
    }
}
