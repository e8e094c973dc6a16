//! Rules of docs/PROTOCOL.md 8, checked with a manual clock.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::{DeviceScheduler, Dispatch, Enqueued};

const GAP: Duration = Duration::from_millis(100);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A fixed origin; every test time is an offset from it.
fn origin() -> Instant {
    #[allow(clippy::disallowed_methods)] // the one place a test needs a real Instant to offset from
    Instant::now()
}

fn drain<C: Clone + PartialEq>(scheduler: &mut DeviceScheduler<C>) -> Vec<Dispatch<C>> {
    std::iter::from_fn(|| scheduler.poll_transmit()).collect()
}

#[test]
fn without_a_gap_every_command_goes_out_at_once() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(Duration::ZERO, None);
    for value in 1..=5 {
        assert_eq!(s.handle_command(t0, 0, value), Enqueued::Dispatched);
        assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, value)])]);
    }
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn commands_the_driver_has_not_collected_merge_into_one_write() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(Duration::ZERO, None);
    // The driver is busy writing while these arrive: one write of the newest value per feature.
    assert_eq!(s.handle_command(t0, 1, 10), Enqueued::Dispatched);
    assert_eq!(s.handle_command(t0, 0, 20), Enqueued::Dispatched);
    assert_eq!(s.handle_command(t0, 1, 11), Enqueued::Dispatched);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 20), (1, 11)])]);
    // Never across a stop: what came before it is written before it, what came after, after.
    s.handle_command(t0, 0, 21);
    s.handle_stop(t0, Some(0), vec![(0, 0)]);
    s.handle_command(t0, 0, 22);
    s.handle_command(t0, 1, 12);
    assert_eq!(
        drain(&mut s),
        vec![
            Dispatch::Commands(vec![(0, 21)]),
            Dispatch::Stop(vec![(0, 0)]),
            Dispatch::Commands(vec![(0, 22), (1, 12)]),
        ]
    );
    // Nor with a keep-alive queued in between.
    let mut s = DeviceScheduler::new(Duration::ZERO, Some(ms(100)));
    s.handle_command(t0, 0, 1);
    s.handle_timeout(t0 + ms(100));
    s.handle_command(t0 + ms(100), 0, 2);
    assert_eq!(
        drain(&mut s),
        vec![
            Dispatch::Commands(vec![(0, 1)]),
            Dispatch::Keepalive,
            Dispatch::Commands(vec![(0, 2)])
        ]
    );
}

#[test]
fn commands_of_one_message_are_never_split_by_the_gap() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(Duration::ZERO, None);
    // Without a gap, single commands go out one by one; a batch goes out as one dispatch.
    assert_eq!(s.handle_commands(t0, [(0, 1), (1, 2)]), Enqueued::Dispatched);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 1), (1, 2)])]);
    // Inside a gap the batch is held whole, and only what changed is pending.
    let mut s = DeviceScheduler::new(GAP, None);
    assert_eq!(s.handle_commands(t0, [(0, 1), (1, 2)]), Enqueued::Dispatched);
    drain(&mut s);
    assert_eq!(s.handle_commands(t0 + ms(10), [(0, 1), (1, 3)]), Enqueued::Held);
    assert_eq!(s.handle_commands(t0 + ms(20), [(0, 1), (1, 3)]), Enqueued::Duplicate);
    s.handle_timeout(t0 + GAP);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(1, 3)])]);
}

#[test]
fn the_first_command_after_idle_is_not_delayed() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    assert_eq!(s.handle_command(t0, 0, 7), Enqueued::Dispatched);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 7)])]);
    // Long after the gap, a command again goes out at once.
    assert_eq!(s.handle_command(t0 + ms(250), 0, 8), Enqueued::Dispatched);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 8)])]);
}

#[test]
fn a_burst_inside_one_gap_gives_two_writes_and_the_last_value_wins() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    let results: Vec<_> =
        (1..=50).map(|value| s.handle_command(t0 + ms(value / 2), 0, value)).collect();
    assert_eq!(results[0], Enqueued::Dispatched);
    assert!(results[1..].iter().all(|r| *r == Enqueued::Held));
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 1)])]);
    assert_eq!(s.poll_timeout(), Some(t0 + GAP));
    s.handle_timeout(t0 + ms(99));
    assert_eq!(drain(&mut s), vec![], "nothing before the gap ends");
    s.handle_timeout(t0 + GAP);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 50)])]);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn held_commands_of_several_features_go_out_together_in_feature_order() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    s.handle_command(t0, 1, 10);
    drain(&mut s);
    s.handle_command(t0 + ms(10), 2, 20);
    s.handle_command(t0 + ms(20), 0, 30);
    s.handle_command(t0 + ms(30), 2, 21);
    s.handle_timeout(t0 + GAP);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 30), (2, 21)])]);
}

#[test]
fn a_late_timer_sends_everything_held_with_the_new_command() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    s.handle_command(t0, 0, 1);
    s.handle_command(t0 + ms(50), 1, 2);
    drain(&mut s);
    // The driver missed the deadline; the next command arrives after the gap.
    assert_eq!(s.handle_command(t0 + ms(150), 0, 3), Enqueued::Dispatched);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 3), (1, 2)])]);
}

#[test]
fn a_stop_bypasses_the_gap_and_discards_what_it_selects() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    s.handle_command(t0, 0, 5);
    s.handle_command(t0, 1, 6);
    drain(&mut s);
    s.handle_command(t0 + ms(10), 0, 7);
    s.handle_command(t0 + ms(10), 1, 8);
    s.handle_stop(t0 + ms(20), Some(0), vec![(0, 0)]);
    assert_eq!(
        drain(&mut s),
        vec![Dispatch::Stop(vec![(0, 0)])],
        "the stop goes out inside the gap"
    );
    // Feature 1 stays held; the stop counts as a dispatch, so it waits a gap from the stop.
    assert_eq!(s.poll_timeout(), Some(t0 + ms(120)));
    s.handle_timeout(t0 + ms(120));
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(1, 8)])]);
}

#[test]
fn a_stop_of_every_feature_discards_everything_held() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    s.handle_command(t0, 0, 5);
    s.handle_command(t0 + ms(1), 0, 6);
    s.handle_command(t0 + ms(1), 3, 6);
    s.handle_stop(t0 + ms(2), None, vec![(3, 0), (0, 0)]);
    assert_eq!(
        drain(&mut s),
        vec![Dispatch::Commands(vec![(0, 5)]), Dispatch::Stop(vec![(0, 0), (3, 0)])],
        "stops are sorted by feature"
    );
    s.handle_timeout(t0 + ms(500));
    assert_eq!(drain(&mut s), vec![]);
}

#[test]
fn a_selected_feature_without_stop_command_still_loses_its_held_command() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    s.handle_command(t0, 0, 40);
    s.handle_command(t0 + ms(1), 0, 60);
    drain(&mut s);
    // A position-only feature: nothing to send, but the held move is dropped.
    s.handle_stop(t0 + ms(2), Some(0), vec![]);
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(drain(&mut s), vec![]);
}

#[test]
fn identical_commands_are_not_sent_again_but_stops_always_are() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(Duration::ZERO, None);
    assert_eq!(s.handle_command(t0, 0, 9), Enqueued::Dispatched);
    assert_eq!(s.handle_command(t0, 0, 9), Enqueued::Duplicate);
    s.handle_stop(t0, None, vec![(0, 0)]);
    s.handle_stop(t0, None, vec![(0, 0)]);
    // After a stop the remembered command is the stop value: a manual zero is a duplicate.
    assert_eq!(s.handle_command(t0, 0, 0), Enqueued::Duplicate);
    assert_eq!(
        drain(&mut s),
        vec![
            Dispatch::Commands(vec![(0, 9)]),
            Dispatch::Stop(vec![(0, 0)]),
            Dispatch::Stop(vec![(0, 0)])
        ]
    );
}

#[test]
fn returning_to_the_running_value_cancels_the_held_change() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    s.handle_command(t0, 0, 3);
    assert_eq!(s.handle_command(t0 + ms(1), 0, 4), Enqueued::Held);
    assert_eq!(s.handle_command(t0 + ms(2), 0, 4), Enqueued::Duplicate, "same as the held command");
    assert_eq!(
        s.handle_command(t0 + ms(3), 0, 3),
        Enqueued::Duplicate,
        "same as what the device runs"
    );
    s.handle_timeout(t0 + GAP);
    assert_eq!(drain(&mut s), vec![Dispatch::Commands(vec![(0, 3)])]);
}

#[test]
fn keepalives_come_after_silence_and_do_not_move_the_gap() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, Some(ms(1000)));
    assert_eq!(s.poll_timeout(), None, "no keep-alive before anything was sent");
    s.handle_command(t0, 0, 1);
    drain(&mut s);
    assert_eq!(s.poll_timeout(), Some(t0 + ms(1000)));
    s.handle_timeout(t0 + ms(1000));
    assert_eq!(drain(&mut s), vec![Dispatch::Keepalive]);
    assert_eq!(s.poll_timeout(), Some(t0 + ms(2000)));
    // A client command right after a keep-alive is not held: keep-alives are exempt.
    assert_eq!(s.handle_command(t0 + ms(1001), 0, 2), Enqueued::Dispatched);
}

#[test]
fn keepalives_count_from_the_connection_before_any_command() {
    let t0 = origin();
    let mut s: DeviceScheduler<u32> = DeviceScheduler::new(GAP, Some(ms(3000)));
    // Without a connection time there is nothing to count from.
    assert_eq!(s.poll_timeout(), None);
    s.handle_connected(t0);
    assert_eq!(s.poll_timeout(), Some(t0 + ms(3000)));
    s.handle_timeout(t0 + ms(3000));
    assert_eq!(drain(&mut s), vec![Dispatch::Keepalive]);
    assert_eq!(s.poll_timeout(), Some(t0 + ms(6000)));
    // A command resets the count, and a later connection call changes nothing.
    s.handle_command(t0 + ms(4000), 0, 1);
    s.handle_connected(t0 + ms(5000));
    assert_eq!(s.poll_timeout(), Some(t0 + ms(7000)));
}

#[test]
fn writes_of_the_protocols_own_timer_put_the_keepalive_off() {
    let t0 = origin();
    let mut s: DeviceScheduler<u32> = DeviceScheduler::new(GAP, Some(ms(500)));
    s.handle_connected(t0);
    s.handle_written(t0 + ms(400));
    assert_eq!(s.poll_timeout(), Some(t0 + ms(900)));
    s.handle_timeout(t0 + ms(500));
    assert_eq!(drain(&mut s), vec![], "no keep-alive right after a paced step");
}

#[test]
fn a_disconnect_forgets_held_and_queued_output() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(GAP, None);
    s.handle_command(t0, 0, 1);
    s.handle_command(t0, 0, 2);
    s.handle_disconnect();
    assert_eq!(drain(&mut s), vec![]);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn a_gap_too_long_for_instant_never_ends() {
    let t0 = origin();
    let mut s = DeviceScheduler::new(Duration::MAX, None);
    s.handle_command(t0, 0, 1);
    assert_eq!(s.handle_command(t0 + ms(5), 0, 2), Enqueued::Held);
    assert_eq!(s.poll_timeout(), None);
}

/// A test command: equality is by value only (as the scheduler compares commands), while `seq`
/// tells every submission apart.
#[derive(Debug, Clone, Copy)]
struct Cmd {
    value: u8,
    seq: u64,
}

impl PartialEq for Cmd {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

const STOP_SEQ: u64 = 0;

#[derive(Debug, Clone)]
enum Event {
    Command { feature: u32, value: u8 },
    Stop { feature: Option<u32> },
}

/// An event after a delay in ms, and whether the driver collects what is queued right after it
/// (if not, it is still busy writing, and dispatches may merge).
fn event() -> impl Strategy<Value = (u64, Event, bool)> {
    let event = prop_oneof![
        4 => (0u32..3, 0u8..4).prop_map(|(feature, value)| Event::Command { feature, value }),
        1 => proptest::option::of(0u32..3).prop_map(|feature| Event::Stop { feature }),
    ];
    (0u64..60, event, proptest::bool::weighted(0.7))
}

/// Runs `events` through a scheduler with a driver whose timers fire exactly on time, and checks
/// the rules of section 8 on what was dispatched. With `eager`, the driver collects after every
/// event, and the gap between collected dispatches is checked too; otherwise it collects when an
/// event says so (a late driver's writes are as late as it is, which is not the scheduler's
/// doing). Order is judged by position in what was sent, since several things can happen at one
/// instant.
fn check_schedule(
    gap_ms: u64,
    events: &[(u64, Event, bool)],
    eager: bool,
) -> Result<(), TestCaseError> {
    struct Sent {
        at: Instant,
        dispatch: Dispatch<Cmd>,
    }
    let gap = ms(gap_ms);
    let t0 = origin();
    let mut s = DeviceScheduler::new(gap, None);
    let mut now = t0;
    let mut step = 0u64;
    let mut sent: Vec<Sent> = Vec::new();
    // Per feature: the step and value of the last client command, and the step of the last stop.
    let mut last_command: BTreeMap<u32, (u64, u8)> = BTreeMap::new();
    let mut last_stop: BTreeMap<u32, u64> = BTreeMap::new();
    let mut stops: Vec<(u64, Option<u32>)> = Vec::new();
    let mut submitted: BTreeMap<u64, u64> = BTreeMap::new();

    let collect = |s: &mut DeviceScheduler<Cmd>, at: Instant, sent: &mut Vec<Sent>| {
        while let Some(dispatch) = s.poll_transmit() {
            sent.push(Sent { at, dispatch });
        }
    };
    let run_timers = |s: &mut DeviceScheduler<Cmd>, until: Instant, sent: &mut Vec<Sent>| {
        while let Some(deadline) = s.poll_timeout().filter(|d| *d <= until) {
            s.handle_timeout(deadline);
            collect(s, deadline, sent);
        }
    };

    for (seq, (delay, event, collect_now)) in (1..).zip(events) {
        now += ms(*delay);
        run_timers(&mut s, now, &mut sent);
        step += 1;
        match *event {
            Event::Command { feature, value } => {
                s.handle_command(now, feature, Cmd { value, seq });
                last_command.insert(feature, (step, value));
                submitted.insert(seq, step);
            }
            Event::Stop { feature } => {
                let selected: Vec<u32> = feature.map_or_else(|| (0..3).collect(), |f| vec![f]);
                for f in &selected {
                    last_stop.insert(*f, step);
                }
                stops.push((step, feature));
                let commands =
                    selected.iter().map(|f| (*f, Cmd { value: 0, seq: STOP_SEQ })).collect();
                s.handle_stop(now, feature, commands);
            }
        }
        if eager || *collect_now {
            collect(&mut s, now, &mut sent);
        }
    }
    collect(&mut s, now, &mut sent);
    run_timers(&mut s, now + ms(10_000), &mut sent);
    prop_assert_eq!(s.poll_timeout(), None, "everything held was sent");

    // (a) client dispatches keep the gap from the previous client or stop dispatch.
    for pair in sent.windows(2).filter(|_| eager) {
        let [before, after] = pair else { continue };
        if matches!(after.dispatch, Dispatch::Commands(_)) {
            prop_assert!(
                after.at >= before.at + gap,
                "client dispatch {:?} after {:?}",
                after.at - t0,
                before.at - t0
            );
        }
    }

    // (b) the device ends on the last value per feature, or the stop value if a stop came later.
    let mut device: BTreeMap<u32, u8> = BTreeMap::new();
    for Sent { dispatch, .. } in &sent {
        if let Dispatch::Commands(list) | Dispatch::Stop(list) = dispatch {
            for (feature, cmd) in list {
                device.insert(*feature, cmd.value);
            }
        }
    }
    for (feature, (command_step, value)) in &last_command {
        let stopped_later =
            last_stop.get(feature).is_some_and(|stop_step| stop_step > command_step);
        let expected = if stopped_later { 0 } else { *value };
        prop_assert_eq!(device.get(feature).copied(), Some(expected), "feature {}", feature);
    }

    // (c) nothing submitted before a stop is dispatched after it for the stopped features, and
    // (d) no submission is dispatched twice. Every stop here selects features with stop
    // commands, so the n-th `Dispatch::Stop` sent is the n-th stop.
    let mut seen = HashSet::new();
    let mut stops_sent = 0;
    for Sent { dispatch, .. } in &sent {
        let list = match dispatch {
            Dispatch::Stop(_) => {
                stops_sent += 1;
                continue;
            }
            Dispatch::Commands(list) => list,
            Dispatch::Keepalive => continue,
        };
        for (feature, cmd) in list {
            prop_assert!(seen.insert(cmd.seq), "submission {} dispatched twice", cmd.seq);
            let submitted_step = submitted[&cmd.seq];
            let crossed_a_stop = stops[..stops_sent].iter().any(|(stop_step, selected)| {
                submitted_step < *stop_step && selected.is_none_or(|f| f == *feature)
            });
            prop_assert!(
                !crossed_a_stop,
                "submission {} held across a stop of feature {}",
                cmd.seq,
                feature
            );
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn schedules_follow_the_gap_rules(
        gap_ms in prop_oneof![Just(0u64), Just(20), Just(50), Just(100)],
        events in proptest::collection::vec(event(), 1..60),
    ) {
        check_schedule(gap_ms, &events, true)?;
    }

    #[test]
    fn schedules_follow_the_rules_when_the_driver_is_late(
        gap_ms in prop_oneof![Just(0u64), Just(20), Just(50)],
        events in proptest::collection::vec(event(), 1..60),
    ) {
        check_schedule(gap_ms, &events, false)?;
    }
}
