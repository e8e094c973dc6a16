//! One table from the results of a run: bpio, the echo baseline and (when measured) the reference
//! server side by side, with the ratios to the echo baseline and the targets of the issue.

use std::fmt::Write as _;

use serde_json::{Value, json};

/// How a figure is stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Microseconds.
    Micros,
    /// Milliseconds.
    Millis,
    /// Messages per second.
    PerSecond,
    /// KiB of resident memory.
    KiB,
    /// A change of resident memory in KiB, shown in KiB: soak figures are small.
    GrowthKiB,
    /// Bytes.
    Bytes,
    /// A plain count.
    Count,
}

/// What a figure must be to meet its target.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    /// At most this many times the echo baseline's figure.
    RatioAtMost(f64),
    /// At least this many times the echo baseline's figure.
    RatioAtLeast(f64),
    /// At most this value, in the row's unit.
    AtMost(f64),
}

struct Row {
    label: &'static str,
    pointer: &'static str,
    unit: Unit,
    target: Option<Target>,
}

const fn row(
    label: &'static str,
    pointer: &'static str,
    unit: Unit,
    target: Option<Target>,
) -> Row {
    Row { label, pointer, unit, target }
}

/// 15 MB and 30 KB, in the units of their rows.
const SIMULATED_RSS_LIMIT_KIB: f64 = 15_000_000.0 / 1024.0;
const PER_DEVICE_LIMIT_BYTES: f64 = 30_000.0;
/// 256 KB (issue 25), in KiB: what a soak may grow after its warm-up.
const SOAK_GROWTH_LIMIT_KIB: f64 = 256_000.0 / 1024.0;

const ROWS: &[Row] = &[
    row("handshake p50", "/handshake/p50_us", Unit::Micros, None),
    row("OutputCmd→Ok p50", "/round_trip/p50_us", Unit::Micros, Some(Target::RatioAtMost(1.5))),
    row("OutputCmd→Ok p90", "/round_trip/p90_us", Unit::Micros, None),
    row("OutputCmd→Ok p99", "/round_trip/p99_us", Unit::Micros, Some(Target::RatioAtMost(3.0))),
    row("OutputCmd→Ok max", "/round_trip/max_us", Unit::Micros, None),
    row(
        "pipelined throughput",
        "/throughput/per_second",
        Unit::PerSecond,
        Some(Target::RatioAtLeast(0.5)),
    ),
    row("client→device p50", "/device_latency/p50_us", Unit::Micros, None),
    row("client→device p99", "/device_latency/p99_us", Unit::Micros, Some(Target::AtMost(1000.0))),
    row("client→device max", "/device_latency/max_us", Unit::Micros, None),
    row("gap configured", "/gap/gap_us", Unit::Micros, None),
    row("gap the server lists", "/gap/advertised_ms", Unit::Millis, None),
    row("gap shortest interval", "/gap/min_interval_us", Unit::Micros, None),
    row("gap violations", "/gap/violations", Unit::Count, Some(Target::AtMost(0.0))),
    row("held command late p50", "/gap/lateness/p50_us", Unit::Micros, None),
    row(
        "held command late max",
        "/gap/lateness/max_us",
        Unit::Micros,
        Some(Target::AtMost(2000.0)),
    ),
    row("StopCmd in flood p50", "/stop_in_flood/to_device/p50_us", Unit::Micros, None),
    row(
        "StopCmd in flood max",
        "/stop_in_flood/to_device/max_us",
        Unit::Micros,
        Some(Target::AtMost(50_000.0)),
    ),
    row("StopCmd in flood → Ok max", "/stop_in_flood/to_reply/max_us", Unit::Micros, None),
    row("flood backlog at the stop, max", "/stop_in_flood/backlog_max", Unit::Count, None),
    row("writes after the stop", "/stop_in_flood/writes_after_stop", Unit::Count, None),
    row("stop after kill p50", "/stop_after_kill/stop/p50_us", Unit::Micros, None),
    row(
        "stop after kill max",
        "/stop_after_kill/stop/max_us",
        Unit::Micros,
        Some(Target::AtMost(100_000.0)),
    ),
    row("kills without stop", "/stop_after_kill/missed", Unit::Count, Some(Target::AtMost(0.0))),
    row("memory idle", "/rss_kib/idle", Unit::KiB, None),
    row("memory, 1 device", "/rss_kib/one_device", Unit::KiB, None),
    row("memory, +extra devices", "/rss_kib/with_extra_devices", Unit::KiB, None),
    row(
        "memory per extra device",
        "/rss_kib/per_extra_device_bytes",
        Unit::Bytes,
        Some(Target::AtMost(PER_DEVICE_LIMIT_BYTES)),
    ),
    row("memory peak, commands and floods", "/rss_kib/peak", Unit::KiB, None),
    row(
        "memory, simulated devices",
        "/simulated/rss_kib",
        Unit::KiB,
        Some(Target::AtMost(SIMULATED_RSS_LIMIT_KIB)),
    ),
    row(
        "soak --simulate, growth",
        "/soak/simulate/growth_kib",
        Unit::GrowthKiB,
        Some(Target::AtMost(SOAK_GROWTH_LIMIT_KIB)),
    ),
    row(
        "soak --simulate, slope per min",
        "/soak/simulate/slope_kib_per_min",
        Unit::GrowthKiB,
        None,
    ),
    row(
        "soak ws devices, growth",
        "/soak/websocket/growth_kib",
        Unit::GrowthKiB,
        Some(Target::AtMost(SOAK_GROWTH_LIMIT_KIB)),
    ),
    row(
        "soak ws devices, slope per min",
        "/soak/websocket/slope_kib_per_min",
        Unit::GrowthKiB,
        None,
    ),
    row(
        "soak serial, growth",
        "/soak/serial/growth_kib",
        Unit::GrowthKiB,
        Some(Target::AtMost(SOAK_GROWTH_LIMIT_KIB)),
    ),
    row("soak serial, slope per min", "/soak/serial/slope_kib_per_min", Unit::GrowthKiB, None),
];

/// The results of one run, by server.
#[derive(Debug, Clone)]
pub struct Results {
    /// bpio-engine.
    pub ours: Value,
    /// The echo baseline.
    pub echo: Value,
    /// The reference server, when it was measured.
    pub reference: Option<Value>,
}

impl Results {
    /// The table as text, one row per figure.
    pub fn table(&self) -> String {
        let header = [
            "figure",
            "bpio",
            "echo",
            "bpio/echo",
            "reference",
            "ref/echo",
            "target",
            "bpio",
            "ref",
        ];
        let mut lines = vec![header.map(str::to_owned).to_vec()];
        for row in ROWS {
            let ours = value(&self.ours, row);
            let echo = value(&self.echo, row);
            let reference = self.reference.as_ref().and_then(|r| value(r, row));
            if ours.is_none() && reference.is_none() {
                continue;
            }
            lines.push(vec![
                row.label.to_owned(),
                show(ours, row.unit),
                show(echo, row.unit),
                show_ratio(ours, echo, row.unit),
                show(reference, row.unit),
                show_ratio(reference, echo, row.unit),
                row.target.map_or_else(String::new, |t| describe(t, row.unit)),
                verdict(row, ours, echo),
                if self.reference.is_some() {
                    verdict(row, reference, echo)
                } else {
                    String::new()
                },
            ]);
        }
        render(&lines)
    }

    /// Everything as one JSON document: each server's results and the table's figures.
    pub fn to_json(&self, machine: Value) -> Value {
        let rows: Vec<Value> = ROWS
            .iter()
            .map(|row| {
                let ours = value(&self.ours, row);
                let echo = value(&self.echo, row);
                let reference = self.reference.as_ref().and_then(|r| value(r, row));
                json!({
                    "figure": row.label,
                    "bpio": ours,
                    "echo": echo,
                    "reference": reference,
                    "bpio_vs_echo": ratio(ours, echo),
                    "reference_vs_echo": ratio(reference, echo),
                    "target": row.target.map(|t| describe(t, row.unit)),
                    "bpio_met": met(row, ours, echo),
                    "reference_met": met(row, reference, echo),
                })
            })
            .collect();
        json!({
            "machine": machine,
            "servers": {"bpio": self.ours, "echo": self.echo, "reference": self.reference},
            "table": rows,
        })
    }

    /// The figures that missed their target on bpio, by label.
    pub fn missed(&self) -> Vec<&'static str> {
        ROWS.iter()
            .filter(|row| met(row, value(&self.ours, row), value(&self.echo, row)) == Some(false))
            .map(|row| row.label)
            .collect()
    }
}

/// Several runs of one server as one: every number is the median of that number over the runs
/// that have it (the upper median for an even count), anything else comes from the first run.
/// Timings on a shared machine drift between runs; the median of interleaved runs drifts less.
pub fn median_of(runs: &[Value]) -> Value {
    let Some(first) = runs.first() else { return Value::Null };
    match first {
        Value::Object(fields) => Value::Object(
            fields
                .keys()
                .map(|key| {
                    let values: Vec<Value> =
                        runs.iter().filter_map(|run| run.get(key)).cloned().collect();
                    (key.clone(), median_of(&values))
                })
                .collect(),
        ),
        Value::Number(_) => {
            let mut numbers: Vec<f64> = runs.iter().filter_map(Value::as_f64).collect();
            numbers.sort_by(f64::total_cmp);
            numbers.get(numbers.len() / 2).map_or(Value::Null, |&median| json!(median))
        }
        other => other.clone(),
    }
}

fn value(results: &Value, row: &Row) -> Option<f64> {
    results.pointer(row.pointer)?.as_f64()
}

fn ratio(value: Option<f64>, echo: Option<f64>) -> Option<f64> {
    let (value, echo) = (value?, echo?);
    (echo > 0.0).then(|| value / echo)
}

/// Whether `value` meets the row's target; `None` without a target or a figure to judge.
fn met(row: &Row, value: Option<f64>, echo: Option<f64>) -> Option<bool> {
    Some(match row.target? {
        Target::RatioAtMost(limit) => ratio(value, echo)? <= limit,
        Target::RatioAtLeast(limit) => ratio(value, echo)? >= limit,
        Target::AtMost(limit) => value? <= limit,
    })
}

fn verdict(row: &Row, value: Option<f64>, echo: Option<f64>) -> String {
    match met(row, value, echo) {
        Some(true) => "met".into(),
        Some(false) => "MISSED".into(),
        None if row.target.is_some() => "?".into(),
        None => String::new(),
    }
}

fn describe(target: Target, unit: Unit) -> String {
    match target {
        Target::RatioAtMost(limit) => format!("≤ {limit}× echo"),
        Target::RatioAtLeast(limit) => format!("≥ {limit}× echo"),
        Target::AtMost(limit) => format!("≤ {}", show(Some(limit), unit)),
    }
}

fn show(value: Option<f64>, unit: Unit) -> String {
    let Some(v) = value else { return "—".into() };
    match unit {
        Unit::Micros if v >= 10_000.0 => format!("{:.1} ms", v / 1000.0),
        Unit::Micros if v >= 1000.0 => format!("{:.2} ms", v / 1000.0),
        Unit::Micros => format!("{v:.0} µs"),
        Unit::Millis => format!("{v:.0} ms"),
        Unit::PerSecond => format!("{v:.0}/s"),
        Unit::KiB => format!("{:.1} MiB", v / 1024.0),
        Unit::GrowthKiB => format!("{v:.0} KiB"),
        Unit::Bytes if v >= 1024.0 => format!("{:.1} KiB", v / 1024.0),
        Unit::Bytes => format!("{v:.0} B"),
        Unit::Count => format!("{v:.0}"),
    }
}

/// The ratio to the echo baseline, shown for timings and rates only: the echo's memory or counts
/// are no floor for a server's.
fn show_ratio(value: Option<f64>, echo: Option<f64>, unit: Unit) -> String {
    if !matches!(unit, Unit::Micros | Unit::PerSecond) {
        return String::new();
    }
    ratio(value, echo).map_or_else(String::new, |r| format!("{r:.2}×"))
}

/// Columns padded to their widest cell.
fn render(lines: &[Vec<String>]) -> String {
    let columns = lines.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            lines.iter().filter_map(|l| l.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in lines {
        let cells: Vec<String> =
            line.iter().zip(&widths).map(|(cell, &width)| format!("{cell:<width$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results() -> Results {
        Results {
            ours: json!({
                "round_trip": {"p50_us": 120, "p99_us": 400},
                "throughput": {"per_second": 4000},
                "device_latency": {"p99_us": 900},
                "rss_kib": {"idle": 4096},
                "soak": {"simulate": {"growth_kib": -12, "slope_kib_per_min": 1.5}},
            }),
            echo: json!({
                "round_trip": {"p50_us": 100, "p99_us": 100},
                "throughput": {"per_second": 10000},
            }),
            reference: None,
        }
    }

    #[test]
    fn targets_are_judged_against_the_echo_baseline_or_absolutely() {
        let results = results();
        assert_eq!(results.missed(), ["OutputCmd→Ok p99", "pipelined throughput"]);
        let json = results.to_json(json!({"cores": 2}));
        let p50 = &json["table"][1];
        assert_eq!(p50["figure"], "OutputCmd→Ok p50");
        assert_eq!(p50["bpio_vs_echo"], 1.2);
        assert_eq!(p50["bpio_met"], true);
        assert_eq!(p50["reference_met"], Value::Null);
        assert_eq!(json["machine"]["cores"], 2);
    }

    #[test]
    fn runs_merge_into_their_medians() {
        let runs = [
            json!({"server": "bpio", "round_trip": {"p50_us": 120}, "gap": {"error": "x"}}),
            json!({"server": "bpio", "round_trip": {"p50_us": 100}}),
            json!({"server": "bpio", "round_trip": {"p50_us": 300}}),
        ];
        assert_eq!(
            median_of(&runs),
            json!({"server": "bpio", "round_trip": {"p50_us": 120.0}, "gap": {"error": "x"}})
        );
        assert_eq!(
            median_of(&runs[1..]),
            json!({"server": "bpio", "round_trip": {"p50_us": 300.0}})
        );
        assert_eq!(median_of(&[]), Value::Null);
    }

    #[test]
    fn the_table_shows_units_ratios_and_verdicts() {
        let table = results().table();
        let line = |label: &str| table.lines().find(|l| l.starts_with(label)).unwrap().to_owned();
        assert!(line("OutputCmd→Ok p50").contains("120 µs"), "{table}");
        assert!(line("OutputCmd→Ok p50").contains("1.20×"), "{table}");
        assert!(line("OutputCmd→Ok p99").contains("MISSED"), "{table}");
        assert!(line("client→device p99").contains("met"), "{table}");
        assert!(line("memory idle").contains("4.0 MiB"), "{table}");
        assert!(line("soak --simulate, growth").contains("-12 KiB"), "{table}");
        assert!(line("soak --simulate, growth").contains("met"), "{table}");
        assert!(line("soak --simulate, slope").contains("2 KiB"), "{table}");
        // Figures nobody measured are left out.
        assert!(!table.contains("stop after kill"), "{table}");
    }
}
