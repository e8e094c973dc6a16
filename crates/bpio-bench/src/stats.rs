//! Percentiles of a set of timings.

use std::time::Duration;

use serde_json::{Value, json};

/// The distribution of a set of timings: nearest-rank percentiles of the sorted samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// How many samples.
    pub count: usize,
    /// The smallest sample.
    pub min: Duration,
    /// The median.
    pub p50: Duration,
    /// 90 % of samples are at most this.
    pub p90: Duration,
    /// 99 % of samples are at most this.
    pub p99: Duration,
    /// The largest sample.
    pub max: Duration,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none.
    pub fn of(mut samples: Vec<Duration>) -> Option<Self> {
        samples.sort_unstable();
        Some(Self {
            count: samples.len(),
            min: *samples.first()?,
            p50: percentile(&samples, 50)?,
            p90: percentile(&samples, 90)?,
            p99: percentile(&samples, 99)?,
            max: *samples.last()?,
        })
    }

    /// As JSON, in microseconds (whole numbers: finer is noise on loopback).
    pub fn to_json(&self) -> Value {
        json!({
            "count": self.count,
            "min_us": micros(self.min),
            "p50_us": micros(self.p50),
            "p90_us": micros(self.p90),
            "p99_us": micros(self.p99),
            "max_us": micros(self.max),
        })
    }
}

/// The nearest-rank `percent` percentile of `sorted`: the smallest sample that at least `percent`
/// per cent of the samples do not exceed. `None` for no samples or a percentage over 100.
pub fn percentile(sorted: &[Duration], percent: usize) -> Option<Duration> {
    if percent > 100 {
        return None;
    }
    // rank = ceil(percent × n / 100), counted from 1; percentile 0 is the minimum.
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// A duration in whole microseconds, saturating.
pub fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// A summary as JSON, or `null` when there were no samples.
pub fn summary_json(samples: Vec<Duration>) -> Value {
    Summary::of(samples).map_or(Value::Null, |summary| summary.to_json())
}

/// A summary as JSON with every sample in it, in nanoseconds (`samples_ns`), in the order they
/// were taken: what the latency chart draws its distributions from.
pub fn summary_with_samples(samples: Vec<Duration>) -> Value {
    let nanos: Vec<u64> =
        samples.iter().map(|s| u64::try_from(s.as_nanos()).unwrap_or(u64::MAX)).collect();
    let mut summary = summary_json(samples);
    if let Some(fields) = summary.as_object_mut() {
        fields.insert("samples_ns".into(), nanos.into());
    }
    summary
}

/// The samples of a [`summary_with_samples`], from its JSON; none when it has none.
pub fn samples_of(summary: &Value) -> Vec<Duration> {
    summary["samples_ns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .map(Duration::from_nanos)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        // 1..=100 ms: the p-th percentile is p ms.
        let hundred: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        for p in [1, 50, 90, 99, 100] {
            assert_eq!(percentile(&hundred, p), Some(Duration::from_millis(p as u64)), "p{p}");
        }
        assert_eq!(percentile(&hundred, 0), Some(Duration::from_millis(1)));
        // Ten samples: p50 is the 5th, p90 the 9th, p99 rounds up to the 10th.
        let ten = ms(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(percentile(&ten, 50), Some(Duration::from_millis(5)));
        assert_eq!(percentile(&ten, 90), Some(Duration::from_millis(9)));
        assert_eq!(percentile(&ten, 99), Some(Duration::from_millis(10)));
        assert_eq!(percentile(&ten, 101), None);
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn a_summary_sorts_its_samples_first() {
        let summary = Summary::of(ms(&[30, 10, 20])).unwrap();
        assert_eq!(
            summary,
            Summary {
                count: 3,
                min: Duration::from_millis(10),
                p50: Duration::from_millis(20),
                p90: Duration::from_millis(30),
                p99: Duration::from_millis(30),
                max: Duration::from_millis(30),
            }
        );
        assert_eq!(summary.to_json()["p50_us"], 20_000);
        assert_eq!(Summary::of(Vec::new()), None);
        assert_eq!(summary_json(Vec::new()), Value::Null);
    }
}
