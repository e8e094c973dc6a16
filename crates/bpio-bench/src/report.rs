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
    /// Below the reference server's figure; judged only when the reference was measured, and
    /// never for the reference itself.
    BelowReference,
    /// At most this many times another figure of the same server (by its JSON pointer), named
    /// in the target column by the last word.
    TimesOwnAtMost(f64, &'static str, &'static str),
}

struct Row {
    label: &'static str,
    pointer: &'static str,
    unit: Unit,
    /// Every one must be met.
    targets: &'static [Target],
}

const fn row(
    label: &'static str,
    pointer: &'static str,
    unit: Unit,
    targets: &'static [Target],
) -> Row {
    Row { label, pointer, unit, targets }
}

/// 15 MB and 6 MB, in the unit of their rows (KiB); 16 KiB in bytes.
const SIMULATED_RSS_LIMIT_KIB: f64 = 15_000_000.0 / 1024.0;
const ONE_DEVICE_RSS_LIMIT_KIB: f64 = 6_000_000.0 / 1024.0;
const PER_DEVICE_LIMIT_BYTES: f64 = 16.0 * 1024.0;
/// 256 KB (issue 25), in KiB: what a soak may grow after its warm-up.
const SOAK_GROWTH_LIMIT_KIB: f64 = 256_000.0 / 1024.0;

const ROWS: &[Row] = &[
    row("handshake p50", "/handshake/p50_us", Unit::Micros, &[]),
    row("OutputCmd→Ok p50", "/round_trip/p50_us", Unit::Micros, &[Target::RatioAtMost(1.5)]),
    row("OutputCmd→Ok p90", "/round_trip/p90_us", Unit::Micros, &[]),
    row("OutputCmd→Ok p99", "/round_trip/p99_us", Unit::Micros, &[Target::RatioAtMost(3.0)]),
    row("OutputCmd→Ok max", "/round_trip/max_us", Unit::Micros, &[]),
    // With a client that spins on its socket (issue 23): the server's own tail.
    row(
        "OutputCmd→Ok p50 (spin)",
        "/round_trip_spin/p50_us",
        Unit::Micros,
        &[Target::RatioAtMost(1.3)],
    ),
    row("OutputCmd→Ok p90 (spin)", "/round_trip_spin/p90_us", Unit::Micros, &[]),
    row(
        "OutputCmd→Ok p99 (spin)",
        "/round_trip_spin/p99_us",
        Unit::Micros,
        &[Target::RatioAtMost(1.5), Target::BelowReference],
    ),
    row("OutputCmd→Ok max (spin)", "/round_trip_spin/max_us", Unit::Micros, &[]),
    row(
        "pipelined throughput",
        "/throughput/per_second",
        Unit::PerSecond,
        &[Target::RatioAtLeast(0.85)],
    ),
    row("client→device p50", "/device_latency/p50_us", Unit::Micros, &[]),
    row("client→device p99", "/device_latency/p99_us", Unit::Micros, &[Target::AtMost(1000.0)]),
    row("client→device max", "/device_latency/max_us", Unit::Micros, &[]),
    row("client→device p50 (spin)", "/device_latency_spin/p50_us", Unit::Micros, &[]),
    row(
        "client→device p99 (spin)",
        "/device_latency_spin/p99_us",
        Unit::Micros,
        &[
            Target::BelowReference,
            Target::TimesOwnAtMost(2.0, "/device_latency_spin/p50_us", "p50"),
        ],
    ),
    row("client→device max (spin)", "/device_latency_spin/max_us", Unit::Micros, &[]),
    row("gap configured", "/gap/gap_us", Unit::Micros, &[]),
    row("gap the server lists", "/gap/advertised_ms", Unit::Millis, &[]),
    row("gap shortest interval", "/gap/min_interval_us", Unit::Micros, &[]),
    row("gap violations", "/gap/violations", Unit::Count, &[Target::AtMost(0.0)]),
    row("held command late p50", "/gap/lateness/p50_us", Unit::Micros, &[]),
    row("held command late max", "/gap/lateness/max_us", Unit::Micros, &[Target::AtMost(2000.0)]),
    row("StopCmd in flood p50", "/stop_in_flood/to_device/p50_us", Unit::Micros, &[]),
    row(
        "StopCmd in flood max",
        "/stop_in_flood/to_device/max_us",
        Unit::Micros,
        &[Target::AtMost(50_000.0)],
    ),
    row("StopCmd in flood → Ok max", "/stop_in_flood/to_reply/max_us", Unit::Micros, &[]),
    row("flood backlog at the stop, max", "/stop_in_flood/backlog_max", Unit::Count, &[]),
    row("writes after the stop", "/stop_in_flood/writes_after_stop", Unit::Count, &[]),
    row("stop after kill p50", "/stop_after_kill/stop/p50_us", Unit::Micros, &[]),
    row(
        "stop after kill max",
        "/stop_after_kill/stop/max_us",
        Unit::Micros,
        &[Target::AtMost(100_000.0)],
    ),
    row("kills without stop", "/stop_after_kill/missed", Unit::Count, &[Target::AtMost(0.0)]),
    row("memory idle", "/rss_kib/idle", Unit::KiB, &[]),
    row(
        "memory, 1 device",
        "/rss_kib/one_device",
        Unit::KiB,
        &[Target::AtMost(ONE_DEVICE_RSS_LIMIT_KIB)],
    ),
    row("memory, +extra devices", "/rss_kib/with_extra_devices", Unit::KiB, &[]),
    row(
        "memory per extra device",
        "/rss_kib/per_extra_device_bytes",
        Unit::Bytes,
        &[Target::AtMost(PER_DEVICE_LIMIT_BYTES)],
    ),
    row("memory peak, commands and floods", "/rss_kib/peak", Unit::KiB, &[]),
    row(
        "memory, simulated devices",
        "/simulated/rss_kib",
        Unit::KiB,
        &[Target::AtMost(SIMULATED_RSS_LIMIT_KIB)],
    ),
    row(
        "soak --simulate, growth",
        "/soak/simulate/growth_kib",
        Unit::GrowthKiB,
        &[Target::AtMost(SOAK_GROWTH_LIMIT_KIB)],
    ),
    row("soak --simulate, slope per min", "/soak/simulate/slope_kib_per_min", Unit::GrowthKiB, &[]),
    row(
        "soak ws devices, growth",
        "/soak/websocket/growth_kib",
        Unit::GrowthKiB,
        &[Target::AtMost(SOAK_GROWTH_LIMIT_KIB)],
    ),
    row(
        "soak ws devices, slope per min",
        "/soak/websocket/slope_kib_per_min",
        Unit::GrowthKiB,
        &[],
    ),
    row(
        "soak serial, growth",
        "/soak/serial/growth_kib",
        Unit::GrowthKiB,
        &[Target::AtMost(SOAK_GROWTH_LIMIT_KIB)],
    ),
    row("soak serial, slope per min", "/soak/serial/slope_kib_per_min", Unit::GrowthKiB, &[]),
    row(
        "soak several clients, growth",
        "/soak/clients/growth_kib",
        Unit::GrowthKiB,
        &[Target::AtMost(SOAK_GROWTH_LIMIT_KIB)],
    ),
    row("soak several clients, slope/min", "/soak/clients/slope_kib_per_min", Unit::GrowthKiB, &[]),
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
            let ours = value(&self.ours, row.pointer);
            let echo = value(&self.echo, row.pointer);
            let reference = self.reference.as_ref().and_then(|r| value(r, row.pointer));
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
                describe(row),
                verdict(row, self.met_ours(row)),
                self.reference
                    .as_ref()
                    .map_or_else(String::new, |_| verdict(row, self.met_reference(row))),
            ]);
        }
        render(&lines)
    }

    /// Everything as one JSON document: each server's results and the table's figures.
    pub fn to_json(&self, machine: Value) -> Value {
        let rows: Vec<Value> = ROWS
            .iter()
            .map(|row| {
                let ours = value(&self.ours, row.pointer);
                let echo = value(&self.echo, row.pointer);
                let reference = self.reference.as_ref().and_then(|r| value(r, row.pointer));
                json!({
                    "figure": row.label,
                    "bpio": ours,
                    "echo": echo,
                    "reference": reference,
                    "bpio_vs_echo": ratio(ours, echo),
                    "reference_vs_echo": ratio(reference, echo),
                    "target": (!row.targets.is_empty()).then(|| describe(row)),
                    "bpio_met": self.met_ours(row),
                    "reference_met": self.met_reference(row),
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
        ROWS.iter().filter(|row| self.met_ours(row) == Some(false)).map(|row| row.label).collect()
    }

    /// Whether bpio meets the row's targets, the reference's figure included when measured.
    fn met_ours(&self, row: &Row) -> Option<bool> {
        met(row, &self.ours, &self.echo, self.reference.as_ref())
    }

    /// Whether the reference server meets the row's targets; `None` when it was not measured.
    fn met_reference(&self, row: &Row) -> Option<bool> {
        met(row, self.reference.as_ref()?, &self.echo, None)
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

fn value(results: &Value, pointer: &str) -> Option<f64> {
    results.pointer(pointer)?.as_f64()
}

fn ratio(value: Option<f64>, echo: Option<f64>) -> Option<f64> {
    let (value, echo) = (value?, echo?);
    (echo > 0.0).then(|| value / echo)
}

/// Whether the figure of `server` meets every target of the row; `None` without a target, or
/// when a figure a target needs is missing. [`Target::BelowReference`] is left out when
/// `reference` is `None`.
fn met(row: &Row, server: &Value, echo: &Value, reference: Option<&Value>) -> Option<bool> {
    let figure = value(server, row.pointer);
    let mut all = None;
    for target in row.targets {
        let this = match *target {
            Target::RatioAtMost(limit) => ratio(figure, value(echo, row.pointer))? <= limit,
            Target::RatioAtLeast(limit) => ratio(figure, value(echo, row.pointer))? >= limit,
            Target::AtMost(limit) => figure? <= limit,
            Target::BelowReference => match reference {
                Some(reference) => figure? < value(reference, row.pointer)?,
                None => continue,
            },
            Target::TimesOwnAtMost(factor, other, _) => figure? <= factor * value(server, other)?,
        };
        all = Some(all.unwrap_or(true) && this);
    }
    all
}

fn verdict(row: &Row, met: Option<bool>) -> String {
    match met {
        Some(true) => "met".into(),
        Some(false) => "MISSED".into(),
        None if !row.targets.is_empty() => "?".into(),
        None => String::new(),
    }
}

/// The row's targets for the table, joined by commas.
fn describe(row: &Row) -> String {
    let describe_one = |target: &Target| match *target {
        Target::RatioAtMost(limit) => format!("≤ {limit}× echo"),
        Target::RatioAtLeast(limit) => format!("≥ {limit}× echo"),
        Target::AtMost(limit) => format!("≤ {}", show(Some(limit), row.unit)),
        Target::BelowReference => "< ref".to_owned(),
        Target::TimesOwnAtMost(factor, _, name) => format!("≤ {factor}× own {name}"),
    };
    row.targets.iter().map(describe_one).collect::<Vec<_>>().join(", ")
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
    fn spin_targets_need_the_echo_the_reference_and_the_servers_own_median() {
        let spin = |p50: u32, p99: u32| json!({"p50_us": p50, "p99_us": p99});
        let mut results = Results {
            ours: json!({"round_trip_spin": spin(50, 70), "device_latency_spin": spin(40, 90)}),
            echo: json!({"round_trip_spin": spin(40, 50)}),
            reference: None,
        };
        // Without the reference: p99 is judged by its ratio alone (1.4× echo), and the device
        // latency's p99 by its own p50 (90 > 2 × 40).
        assert_eq!(results.missed(), ["client→device p99 (spin)"]);
        // p99 (spin) is also below the reference's; the reference itself is judged by the ratio.
        results.reference =
            Some(json!({"round_trip_spin": spin(55, 60), "device_latency_spin": spin(30, 50)}));
        assert_eq!(results.missed(), ["OutputCmd→Ok p99 (spin)", "client→device p99 (spin)"]);
        let table = results.table();
        // A row's cells, one space apart.
        let line = |label: &str| {
            let line = table.lines().find(|l| l.starts_with(label)).unwrap();
            line.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        assert!(
            line("OutputCmd→Ok p99 (spin)").ends_with("≤ 1.5× echo, < ref MISSED met"),
            "{table}"
        );
        assert!(line("OutputCmd→Ok p50 (spin)").ends_with("≤ 1.3× echo met MISSED"), "{table}");
        assert!(
            line("client→device p99 (spin)").ends_with("< ref, ≤ 2× own p50 MISSED met"),
            "{table}"
        );
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
