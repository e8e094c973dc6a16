//! Device additions and removals, derived from two complete device lists.

use std::collections::BTreeMap;

/// What changed from `old` to `new`, both keyed by device index: the devices removed, then the
/// devices added, each in index order.
///
/// A `DeviceList` always holds every connected device (docs/PROTOCOL.md 6.11), so a change is found
/// by comparing lists. An index present in both lists with a different device behind it (the
/// server replaced a device at that index, docs/PROTOCOL.md 10.1 and 10.3) counts as the old device
/// removed and the new one added.
pub(crate) fn diff<'a, D: PartialEq>(
    old: &'a BTreeMap<u32, D>,
    new: &'a BTreeMap<u32, D>,
) -> (Vec<&'a D>, Vec<&'a D>) {
    let removed =
        old.iter().filter(|(index, device)| new.get(index) != Some(device)).map(|(_, d)| d);
    let added = new.iter().filter(|(index, device)| old.get(index) != Some(device)).map(|(_, d)| d);
    (removed.collect(), added.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(devices: &[(u32, &'static str)]) -> BTreeMap<u32, &'static str> {
        devices.iter().copied().collect()
    }

    #[track_caller]
    fn check(
        old: &[(u32, &'static str)],
        new: &[(u32, &'static str)],
        removed: &[&str],
        added: &[&str],
    ) {
        let (old, new) = (list(old), list(new));
        let (got_removed, got_added) = diff(&old, &new);
        let names = |devices: Vec<&&'static str>| -> Vec<&'static str> {
            devices.into_iter().copied().collect()
        };
        assert_eq!((names(got_removed), names(got_added)), (removed.to_vec(), added.to_vec()));
    }

    #[test]
    fn an_unchanged_list_has_no_changes() {
        check(&[(0, "hush"), (1, "nora")], &[(0, "hush"), (1, "nora")], &[], &[]);
        check(&[], &[], &[], &[]);
    }

    #[test]
    fn new_and_missing_indexes_are_additions_and_removals() {
        check(&[(0, "hush")], &[(0, "hush"), (2, "edge")], &[], &["edge"]);
        check(&[(0, "hush"), (2, "edge")], &[(2, "edge")], &["hush"], &[]);
        check(&[(0, "hush")], &[], &["hush"], &[]);
        check(&[], &[(3, "a"), (1, "b")], &[], &["b", "a"]);
    }

    #[test]
    fn a_different_device_at_a_known_index_is_a_removal_then_an_addition() {
        check(&[(0, "hush"), (1, "nora")], &[(0, "edge"), (1, "nora")], &["hush"], &["edge"]);
    }
}
