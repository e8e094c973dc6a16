//! Rules of docs/PROTOCOL.md 14, checked against a device whose features run or not.

use std::collections::{BTreeMap, BTreeSet};

use bpio_protocol::v4;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::{Owners, Release, SessionId, is_running};

const A: SessionId = SessionId::new(1);
const B: SessionId = SessionId::new(2);

#[test]
fn a_level_of_zero_is_off_and_a_position_always_runs() {
    for ty in v4::OutputType::ALL {
        let moves = matches!(ty, v4::OutputType::Position | v4::OutputType::HwPositionWithDuration);
        assert_eq!(is_running(&v4::OutputCommand::new(ty, 0, 500)), moves, "{ty:?} at 0");
        assert!(is_running(&v4::OutputCommand::new(ty, 3, 500)), "{ty:?} at 3");
    }
    assert!(is_running(&v4::OutputCommand::new(v4::OutputType::Rotate, -2, 0)));
}

#[test]
fn the_newest_running_command_owns_and_a_zero_from_anyone_ends_it() {
    let mut owners = Owners::new();
    owners.handle_output(A, 0, true);
    owners.handle_output(B, 0, true);
    assert_eq!(owners.owner(0), Some(B));
    owners.handle_output(A, 0, false);
    assert_eq!(owners.owner(0), None);
    assert!(owners.is_empty());
}

#[test]
fn a_session_end_stops_what_it_owns_and_spares_what_others_own() {
    let mut owners = Owners::new();
    owners.handle_output(A, 0, true);
    owners.handle_output(A, 2, true);
    owners.handle_output(B, 1, true);
    assert_eq!(owners.handle_session_end(A), Release::Features(vec![0, 2]));
    assert_eq!(owners.owner(1), Some(B));
    // With nobody else owning anything, the whole device stops, as with one client.
    assert_eq!(owners.handle_session_end(B), Release::Device);
    assert_eq!(owners.handle_session_end(A), Release::Device);
}

#[test]
fn a_session_that_owns_nothing_stops_nothing_another_runs() {
    let mut owners = Owners::new();
    owners.handle_output(B, 1, true);
    owners.handle_output(A, 0, false);
    assert_eq!(owners.handle_session_end(A), Release::Nothing);
    assert_eq!(owners.owner(1), Some(B));
}

#[test]
fn stops_end_ownership() {
    let mut owners = Owners::new();
    owners.handle_output(A, 0, true);
    owners.handle_output(B, 1, true);
    owners.handle_stop(Some(1));
    assert_eq!(owners.owner(1), None);
    assert_eq!(owners.handle_session_end(B), Release::Nothing);
    owners.handle_stop(None);
    assert!(owners.is_empty());
}

const FEATURES: u32 = 4;
const SESSIONS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    /// Session `.0` (of [`SESSIONS`]) commands feature `.1`, running or not.
    Output(usize, u32, bool),
    Stop(u32),
    StopAll,
    /// Session `.0` ends; the next of its ops come from a new session in its place.
    End(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let session = 0..SESSIONS;
    let feature = 0..FEATURES;
    prop_oneof![
        6 => (session.clone(), feature.clone(), any::<bool>())
            .prop_map(|(s, f, running)| Op::Output(s, f, running)),
        1 => feature.prop_map(Op::Stop),
        1 => Just(Op::StopAll),
        2 => session.prop_map(Op::End),
    ]
}

/// Runs `ops` against a table and a simulated device (which features run), and checks after
/// every step that the device runs exactly the features whose newest command runs and came from
/// a live session, and that a session's end stops nothing another session owns.
fn check_ownership(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut owners = Owners::new();
    let mut running: BTreeSet<u32> = BTreeSet::new();
    // The model: the newest command per feature (cleared by a stop), and sessions that ended.
    let mut newest: BTreeMap<u32, (SessionId, bool)> = BTreeMap::new();
    let mut ended: BTreeSet<SessionId> = BTreeSet::new();
    let mut live: Vec<SessionId> = (0..SESSIONS).map(|s| SessionId::new(s as u64)).collect();
    let mut next_id = SESSIONS as u64;
    for op in ops {
        match *op {
            Op::Output(s, feature, on) => {
                owners.handle_output(live[s], feature, on);
                newest.insert(feature, (live[s], on));
                if on {
                    running.insert(feature);
                } else {
                    running.remove(&feature);
                }
            }
            Op::Stop(feature) => {
                owners.handle_stop(Some(feature));
                newest.remove(&feature);
                running.remove(&feature);
            }
            Op::StopAll => {
                owners.handle_stop(None);
                newest.clear();
                running.clear();
                prop_assert!(owners.is_empty(), "a stop-all leaves owners");
            }
            Op::End(s) => {
                let session = live[s];
                let owned: BTreeSet<u32> =
                    (0..FEATURES).filter(|f| owners.owner(*f) == Some(session)).collect();
                let others: BTreeSet<u32> = (0..FEATURES)
                    .filter(|f| owners.owner(*f).is_some_and(|o| o != session))
                    .collect();
                let stopped: BTreeSet<u32> = match owners.handle_session_end(session) {
                    Release::Nothing => BTreeSet::new(),
                    Release::Features(features) => features.into_iter().collect(),
                    Release::Device => (0..FEATURES).collect(),
                };
                prop_assert!(owned.is_subset(&stopped), "owned {owned:?}, stopped {stopped:?}");
                prop_assert!(stopped.is_disjoint(&others), "stopped {stopped:?} of {others:?}");
                // Beyond what it owns, an end stops only features nothing runs on.
                for feature in stopped.difference(&owned) {
                    prop_assert!(!running.contains(feature), "stopped running {feature}");
                }
                for feature in &stopped {
                    running.remove(feature);
                }
                ended.insert(session);
                live[s] = SessionId::new(next_id);
                next_id += 1;
            }
        }
        for feature in 0..FEATURES {
            let should_run =
                newest.get(&feature).is_some_and(|(from, on)| *on && !ended.contains(from));
            prop_assert_eq!(
                running.contains(&feature),
                should_run,
                "feature {} after {:?}",
                feature,
                op
            );
            let owner = newest.get(&feature).filter(|(_, on)| *on).map(|(from, _)| *from);
            let owner = owner.filter(|from| !ended.contains(from));
            prop_assert_eq!(owners.owner(feature), owner, "owner of {} after {:?}", feature, op);
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn session_ends_stop_exactly_what_the_session_owns(
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        check_ownership(&ops)?;
    }
}
