//! Judging one step of a scale run from what was sent and what the devices read, without a clock:
//! which commands never reached their device, how long the others took, and whether the step
//! passed the bounds that say the engine still keeps up.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::stats::{Summary, micros};

/// One command as the driver sent it, or one write as a fake device read it: when, and the level.
pub type Stamped = (Instant, i64);

/// What reached one device of the commands sent to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Commands sent inside the measured window.
    pub sent: usize,
    /// Of those, the ones whose level never reached the device.
    pub missed: usize,
    /// For each of those that arrived, from sending to the device reading it.
    pub latencies: Vec<Duration>,
    /// Writes that match no command (a stop, a level nobody sent).
    pub strays: usize,
}

/// Matches the `writes` a device read with the `sent` commands, both in order, and counts the
/// commands sent in `from..until`.
///
/// Every command sets a level different from the one before, and a device with gap 0 gets every
/// command in order, so each write is the first command after the last one matched that carries
/// its level and was sent before the write was read; the commands passed over on the way never
/// arrived (a server that merges commands for a busy device keeps the newest and drops the rest).
/// A write that repeats the level matched last is a repeat, a keep-alive, and is skipped.
pub fn deliveries(sent: &[Stamped], writes: &[Stamped], from: Instant, until: Instant) -> Delivery {
    let measured = |at: Instant| from <= at && at < until;
    let mut delivery = Delivery {
        sent: sent.iter().filter(|(at, _)| measured(*at)).count(),
        ..Delivery::default()
    };
    let mut next = 0;
    let mut last_level = None;
    for &(read_at, level) in writes {
        if last_level == Some(level) {
            continue;
        }
        let rest = sent.get(next..).unwrap_or_default();
        let Some(offset) = rest
            .iter()
            .position(|&(sent_at, sent_level)| sent_level == level && sent_at <= read_at)
        else {
            delivery.strays += 1;
            continue;
        };
        let (skipped, matched) = rest.split_at(offset);
        delivery.missed += skipped.iter().filter(|(at, _)| measured(*at)).count();
        if let Some(&(sent_at, _)) = matched.first()
            && measured(sent_at)
        {
            delivery.latencies.push(read_at.saturating_duration_since(sent_at));
        }
        next += offset + 1;
        last_level = Some(level);
    }
    let unmatched = sent.get(next..).unwrap_or_default();
    delivery.missed += unmatched.iter().filter(|(at, _)| measured(*at)).count();
    delivery
}

/// How much shorter than the gap an interval between two of the gap device's writes may be
/// before it counts as a violation: what the device sees is the engine's dispatch plus a delivery
/// that varies (both sockets, both processes' scheduling), so an interval may look shorter by
/// as much as the delivery of the gap-0 devices varied in the same step, fastest to slowest (one
/// stall of either process delays the write in flight, and the next interval looks short by as
/// much), and never by less than `gap::TOLERANCE`.
pub fn gap_tolerance(latency: Option<&Summary>) -> Duration {
    let spread = latency.map_or(Duration::ZERO, |l| l.max.saturating_sub(l.min));
    spread.max(crate::gap::TOLERANCE)
}

/// Intervals between consecutive `writes` shorter than `gap` by more than `tolerance`.
pub fn gap_violations(writes: &[Instant], gap: Duration, tolerance: Duration) -> usize {
    let short = |pair: &[Instant]| match pair {
        [previous, write] => write.saturating_duration_since(*previous) + tolerance < gap,
        _ => false,
    };
    writes.windows(2).filter(|pair| short(pair)).count()
}

/// The figures of one step that decide whether it passed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepFigures {
    /// Commands the drivers meant to send inside the window (every device at the full rate).
    pub aimed: u64,
    /// Commands they sent inside the window.
    pub sent: u64,
    /// Commands to gap-0 devices whose level never reached the device.
    pub missed: u64,
    /// Replies other than `Ok`, and commands or pings never answered.
    pub errors: u64,
    /// Intervals between the gap device's writes shorter than its gap.
    pub gap_violations: usize,
    /// Client → device latency of the commands that arrived.
    pub latency: Option<Summary>,
    /// Pings answered later than the bound, or not at all.
    pub late_pings: usize,
    /// Cores the engine kept busy over the window.
    pub engine_cores: Option<f64>,
    /// Cores this tool kept busy over the window.
    pub tool_cores: f64,
}

/// What a step must stay within to count as kept up with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Client → device latency p99: one period at 100 Hz, so a device is never a command behind.
    pub p99: Duration,
    /// The share of the aimed commands the drivers must send; less means the tool, or the
    /// machine, could not keep the rate.
    pub min_rate: f64,
    /// The share of the machine's cores the engine alone may keep busy.
    pub engine_share: f64,
    /// The share of the machine's cores the engine and the tool together may keep busy.
    pub machine_share: f64,
    /// The machine's cores.
    pub cores: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            p99: Duration::from_millis(10),
            min_rate: 0.95,
            engine_share: 0.9,
            machine_share: 0.9,
            cores: 2,
        }
    }
}

/// A criterion a step failed: what gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Gave {
    /// Commands to gap-0 devices never reached them.
    MissedWrites(u64),
    /// Replies were errors, or never came.
    Errors(u64),
    /// The gap device got two writes inside its gap.
    GapViolated(usize),
    /// Client → device latency p99 over the bound.
    Latency(Duration),
    /// Pings answered late or not at all: a client with that `MaxPingTime` would be dropped.
    Pings(usize),
    /// The drivers sent this share of the commands they aimed at.
    Rate(f64),
    /// The engine kept this many cores busy.
    EngineCpu(f64),
    /// The engine and the tool together kept this many cores busy.
    MachineCpu(f64),
}

impl Gave {
    /// A short description for the table and the JSON.
    pub fn describe(&self) -> String {
        match self {
            Self::MissedWrites(n) => format!("{n} missed writes"),
            Self::Errors(n) => format!("{n} errors or unanswered"),
            Self::GapViolated(n) => format!("{n} gap violations"),
            Self::Latency(p99) => format!("p99 {:.1} ms", p99.as_secs_f64() * 1e3),
            Self::Pings(n) => format!("{n} late pings"),
            Self::Rate(share) => format!("sent {:.0} % of the rate", share * 100.0),
            Self::EngineCpu(cores) => format!("engine CPU {cores:.2} cores"),
            Self::MachineCpu(cores) => format!("engine + tool CPU {cores:.2} cores"),
        }
    }
}

/// Every criterion `step` fails; empty when the engine kept up.
pub fn judge(step: &StepFigures, bounds: &Bounds) -> Vec<Gave> {
    #[allow(clippy::cast_precision_loss)] // counts of commands and cores, far below 2^52
    let (rate, cores) = (
        if step.aimed == 0 { 1.0 } else { step.sent as f64 / step.aimed as f64 },
        bounds.cores as f64,
    );
    let engine = step.engine_cores.unwrap_or(0.0);
    let mut gave = Vec::new();
    if step.missed > 0 {
        gave.push(Gave::MissedWrites(step.missed));
    }
    if step.errors > 0 {
        gave.push(Gave::Errors(step.errors));
    }
    if step.gap_violations > 0 {
        gave.push(Gave::GapViolated(step.gap_violations));
    }
    if let Some(latency) = &step.latency
        && latency.p99 > bounds.p99
    {
        gave.push(Gave::Latency(latency.p99));
    }
    if step.late_pings > 0 {
        gave.push(Gave::Pings(step.late_pings));
    }
    if rate < bounds.min_rate {
        gave.push(Gave::Rate(rate));
    }
    if engine >= bounds.engine_share * cores {
        gave.push(Gave::EngineCpu(engine));
    }
    if engine + step.tool_cores >= bounds.machine_share * cores {
        gave.push(Gave::MachineCpu(engine + step.tool_cores));
    }
    gave
}

impl StepFigures {
    /// As JSON, times in microseconds.
    pub fn to_json(&self) -> Value {
        json!({
            "aimed": self.aimed,
            "sent": self.sent,
            "missed": self.missed,
            "errors": self.errors,
            "gap_violations": self.gap_violations,
            "latency": self.latency.map(|s| s.to_json()),
            "late_pings": self.late_pings,
            "engine_cores": self.engine_cores.map(round2),
            "tool_cores": round2(self.tool_cores),
        })
    }
}

impl Bounds {
    /// As JSON, for the record of a run.
    pub fn to_json(&self) -> Value {
        json!({
            "p99_us": micros(self.p99),
            "min_rate": self.min_rate,
            "engine_share": self.engine_share,
            "machine_share": self.machine_share,
            "cores": self.cores,
        })
    }
}

/// Two decimals: finer is noise for a share of the processor.
pub(super) fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, points: &[(u64, i64)]) -> Vec<Stamped> {
        points.iter().map(|&(ms, level)| (start + Duration::from_millis(ms), level)).collect()
    }

    fn check(sent: &[(u64, i64)], writes: &[(u64, i64)], from: u64, until: u64) -> Delivery {
        let t = Instant::now();
        let ms = Duration::from_millis;
        deliveries(&at(t, sent), &at(t, writes), t + ms(from), t + ms(until))
    }

    #[test]
    fn every_command_that_arrives_is_timed_and_none_is_missed() {
        let delivery = check(&[(0, 1), (10, 2), (20, 3)], &[(1, 1), (12, 2), (23, 3)], 0, 100);
        assert_eq!(delivery.sent, 3);
        assert_eq!(delivery.missed, 0);
        assert_eq!(delivery.strays, 0);
        let expected: Vec<Duration> = [1, 2, 3].map(Duration::from_millis).into();
        assert_eq!(delivery.latencies, expected);
    }

    #[test]
    fn merged_commands_count_as_missed_and_the_newest_is_timed() {
        // 2 and 3 were merged into the write of 4; 5 never arrived.
        let sent = [(0, 1), (10, 2), (20, 3), (30, 4), (40, 5)];
        let delivery = check(&sent, &[(1, 1), (31, 4)], 0, 100);
        assert_eq!(delivery.missed, 3);
        assert_eq!(delivery.latencies, [Duration::from_millis(1), Duration::from_millis(1)]);
    }

    #[test]
    fn stops_keep_alives_and_early_writes_are_not_matched() {
        // A stop (level 0), a keep-alive repeating 2, and a write of 3 read before 3 was sent
        // (so it cannot be that command).
        let sent = [(0, 1), (10, 2), (20, 3)];
        let delivery = check(&sent, &[(1, 1), (11, 2), (15, 2), (16, 3), (21, 3), (50, 0)], 0, 100);
        assert_eq!(delivery.missed, 0);
        assert_eq!(delivery.strays, 2, "the early 3 and the stop");
        assert_eq!(delivery.latencies.len(), 3);
    }

    #[test]
    fn only_commands_sent_inside_the_window_count() {
        // Warm-up before 10 ms, the window 10..30 ms; 1 and 4 are outside it and missed.
        let sent = [(0, 1), (10, 2), (20, 3), (30, 4)];
        let delivery = check(&sent, &[(11, 2), (21, 3)], 10, 30);
        assert_eq!(delivery.sent, 2);
        assert_eq!(delivery.missed, 0);
        assert_eq!(delivery.latencies.len(), 2);
        let lost = check(&sent, &[(11, 2)], 10, 30);
        assert_eq!(lost.missed, 1, "3 never arrived");
        assert_eq!(check(&sent, &[], 0, 100).missed, 4);
    }

    #[test]
    fn the_gap_is_judged_within_the_spread_of_the_delivery() {
        let t = Instant::now();
        let gap = Duration::from_millis(50);
        let writes: Vec<Instant> =
            at(t, &[(0, 1), (50, 2), (96, 3), (150, 4)]).iter().map(|w| w.0).collect();
        // 46 ms is 4 ms short: a violation when delivery varies by 1 ms, not when by 5 ms.
        assert_eq!(gap_violations(&writes, gap, Duration::from_millis(1)), 1);
        assert_eq!(gap_violations(&writes, gap, Duration::from_millis(5)), 0);
        assert_eq!(gap_violations(&writes[..1], gap, Duration::ZERO), 0);
        // One stall of 5 ms among 200 deliveries of 0.1 ms: the p99 does not see it, the spread
        // does.
        let mut deliveries = vec![Duration::from_micros(100); 199];
        deliveries.push(Duration::from_millis(5));
        let spread = Summary::of(deliveries);
        assert_eq!(gap_tolerance(spread.as_ref()), Duration::from_micros(4900));
        let steady = Summary::of(vec![Duration::from_micros(100); 3]);
        assert_eq!(gap_tolerance(steady.as_ref()), crate::gap::TOLERANCE);
        assert_eq!(gap_tolerance(None), crate::gap::TOLERANCE);
    }

    fn latency(p99_ms: u64) -> Option<Summary> {
        Summary::of(vec![Duration::from_millis(p99_ms)])
    }

    fn healthy() -> StepFigures {
        StepFigures {
            aimed: 1000,
            sent: 990,
            latency: latency(1),
            engine_cores: Some(0.5),
            tool_cores: 0.6,
            ..StepFigures::default()
        }
    }

    #[test]
    fn a_step_within_every_bound_passes() {
        assert_eq!(judge(&healthy(), &Bounds::default()), []);
        // No latency at all (no gap-0 device) is not a failure by itself.
        assert_eq!(judge(&StepFigures { latency: None, ..healthy() }, &Bounds::default()), []);
    }

    #[test]
    fn each_criterion_stops_the_steps() {
        let bounds = Bounds::default();
        let cases = [
            (StepFigures { missed: 3, ..healthy() }, Gave::MissedWrites(3)),
            (StepFigures { errors: 1, ..healthy() }, Gave::Errors(1)),
            (StepFigures { gap_violations: 2, ..healthy() }, Gave::GapViolated(2)),
            (
                StepFigures { latency: latency(11), ..healthy() },
                Gave::Latency(Duration::from_millis(11)),
            ),
            (StepFigures { late_pings: 1, ..healthy() }, Gave::Pings(1)),
            (StepFigures { sent: 900, ..healthy() }, Gave::Rate(0.9)),
        ];
        for (step, gave) in cases {
            assert_eq!(judge(&step, &bounds), [gave]);
        }
    }

    #[test]
    fn saturated_processors_stop_the_steps_and_say_whose() {
        let bounds = Bounds::default();
        let engine = StepFigures { engine_cores: Some(1.85), tool_cores: 0.05, ..healthy() };
        assert_eq!(judge(&engine, &bounds), [Gave::EngineCpu(1.85), Gave::MachineCpu(1.85 + 0.05)]);
        let shared = StepFigures { engine_cores: Some(0.9), tool_cores: 0.9, ..healthy() };
        assert_eq!(judge(&shared, &bounds), [Gave::MachineCpu(1.8)]);
        assert_eq!(judge(&shared, &Bounds { cores: 4, ..bounds }), []);
    }
}
