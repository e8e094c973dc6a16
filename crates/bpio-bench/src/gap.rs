//! Judging the timing gap from what a device received.
//!
//! A server must leave at least the device's gap between two output writes, and a command held
//! back by the gap must go out as soon as the gap ends. Given when each command was sent and when
//! each write reached the device, this computes both: the shortest interval between writes, and
//! for every write its lateness, the time past the moment it was due. A write is due at the later
//! of the gap's end (previous write + gap) and the sending of the first command that came after
//! the previous write; commands sent before a write are taken to be in it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::stats::{self, summary_json};

/// Intervals this much shorter than the gap count as violations; less is delivery jitter
/// between the server's socket and the device's (both writes travel the same loopback path).
pub const TOLERANCE: Duration = Duration::from_millis(1);

/// What the device's writes say about the gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapAnalysis {
    /// The gap judged against.
    pub gap: Duration,
    /// The shortest time between two consecutive writes; `None` with fewer than two writes.
    pub min_interval: Option<Duration>,
    /// Intervals shorter than the gap by more than [`TOLERANCE`].
    pub violations: usize,
    /// How late each write after the first was, past the moment it was due.
    pub lateness: Vec<Duration>,
}

impl GapAnalysis {
    /// Analyses `writes` (arrival times at the device, in order) against the `sent` times of the
    /// commands (in order).
    pub fn of(gap: Duration, sent: &[Instant], writes: &[Instant]) -> Self {
        let mut min_interval: Option<Duration> = None;
        let mut violations = 0;
        let mut lateness = Vec::new();
        for pair in writes.windows(2) {
            let [previous, write] = pair else { continue };
            let interval = write.saturating_duration_since(*previous);
            min_interval = Some(min_interval.map_or(interval, |min| min.min(interval)));
            if interval + TOLERANCE < gap {
                violations += 1;
            }
            // The first command this write can carry that the previous one could not.
            let Some(&first_new) = sent.iter().find(|&&at| at > *previous) else { continue };
            let due = (*previous + gap).max(first_new);
            lateness.push(write.saturating_duration_since(due));
        }
        Self { gap, min_interval, violations, lateness }
    }

    /// As JSON: times in microseconds, the lateness as a summary.
    pub fn to_json(&self) -> Value {
        json!({
            "gap_us": stats::micros(self.gap),
            "intervals": self.lateness.len(),
            "min_interval_us": self.min_interval.map(stats::micros),
            "violations": self.violations,
            "lateness": summary_json(self.lateness.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, ms: &[u64]) -> Vec<Instant> {
        ms.iter().map(|&ms| start + Duration::from_millis(ms)).collect()
    }

    #[test]
    fn held_commands_are_late_by_the_time_past_the_gap() {
        let t = Instant::now();
        let gap = Duration::from_millis(50);
        // A command every 10 ms; writes at 0, 51 and 103: each held one 1 then 2 ms late.
        let sent = at(t, &[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
        let writes = at(t, &[0, 51, 103]);
        let analysis = GapAnalysis::of(gap, &sent, &writes);
        assert_eq!(analysis.min_interval, Some(Duration::from_millis(51)));
        assert_eq!(analysis.violations, 0);
        assert_eq!(analysis.lateness, [Duration::from_millis(1), Duration::from_millis(2)]);
    }

    #[test]
    fn a_command_after_the_gap_is_due_when_sent() {
        let t = Instant::now();
        let gap = Duration::from_millis(50);
        // The second command comes long after the gap: due when sent, delivered 1 ms later.
        let analysis = GapAnalysis::of(gap, &at(t, &[0, 200]), &at(t, &[0, 201]));
        assert_eq!(analysis.lateness, [Duration::from_millis(1)]);
        assert_eq!(analysis.violations, 0);
    }

    #[test]
    fn writes_inside_the_gap_are_violations() {
        let t = Instant::now();
        let gap = Duration::from_millis(50);
        let analysis = GapAnalysis::of(gap, &at(t, &[0, 5, 10, 15]), &at(t, &[0, 5, 10, 60, 110]));
        assert_eq!(analysis.violations, 2);
        assert_eq!(analysis.min_interval, Some(Duration::from_millis(5)));
        // Less than the tolerance short is not a violation.
        let jitter = GapAnalysis::of(gap, &[], &[t, t + Duration::from_micros(49_500)]);
        assert_eq!(jitter.violations, 0);
        assert!(jitter.lateness.is_empty());
        assert_eq!(GapAnalysis::of(gap, &[], &[t]).min_interval, None);
        assert_eq!(analysis.to_json()["violations"], 2);
    }
}
