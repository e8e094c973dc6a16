use serde_json::json;

use super::*;
use crate::stats::summary_with_samples;

fn micros(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
    values.into_iter().map(Duration::from_micros).collect()
}

#[test]
fn the_cdf_climbs_from_the_fastest_sample_to_one_at_the_slowest() {
    // 1..=100 µs: at most x µs is x per cent of them.
    let samples = micros(1..=100);
    let cdf = cdf_log_spaced(&samples, 50);
    assert_eq!(cdf.len(), 50);
    assert_eq!(cdf.first(), Some(&(1.0, 0.01)));
    assert_eq!(cdf.last(), Some(&(100.0, 1.0)));
    assert!(cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1), "{cdf:?}");
    // Log-spaced: the middle point is the geometric mean, 10 µs, with 10 % at most that.
    let middle = cdf_log_spaced(&samples, 3)[1];
    assert!((middle.0 - 10.0).abs() < 1e-9 && (middle.1 - 0.10).abs() < 1e-9, "{middle:?}");
    for &(x, fraction) in &cdf {
        assert!((fraction - x.floor() / 100.0).abs() < 1e-9, "at {x} µs: {fraction}");
    }
}

#[test]
fn a_cdf_of_nothing_or_of_one_latency() {
    assert!(cdf_log_spaced(&[], 10).is_empty());
    assert_eq!(cdf_log_spaced(&micros([7]), 10), vec![(7.0, 1.0); 10]);
    // Not even a zero breaks the log scale.
    assert_eq!(cdf_log_spaced(&[Duration::ZERO], 2).last(), Some(&(0.001, 1.0)));
}

fn run(spin: Vec<Duration>, parked: Vec<Duration>) -> Value {
    json!({
        "round_trip_spin": summary_with_samples(spin),
        "round_trip": summary_with_samples(parked),
        "device_latency_spin": summary_with_samples(micros([30, 40, 50])),
    })
}

#[test]
fn the_latency_chart_names_every_line_with_its_percentiles() {
    let bpio = [run(micros(40..=60), micros(80..=120)), run(micros(41..=61), micros(90..=110))];
    let echo = [run(micros(30..=50), micros(70..=100))];
    let servers = [Server { name: "bpio", runs: &bpio }, Server { name: "echo", runs: &echo }];
    let svg = latency_svg(&servers).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..100]);
    assert!(svg.contains("OutputCmd → Ok round trip"));
    // The two runs of bpio are pooled: p50 of 40..=61 is 50 µs.
    assert!(svg.contains("bpio, spinning client: p50 50 µs, p99 61 µs"), "{svg}");
    assert!(svg.contains("bpio, parked client: p50 100 µs"), "{svg}");
    assert!(svg.contains("echo, spinning client: p50 40 µs"), "{svg}");
    assert!(svg.contains("bpio, spinning: p50 40 µs"), "{svg}");
    // Text is left to the viewer: no glyph outlines.
    assert!(svg.contains("<text") && svg.contains("sans-serif"));
}

#[test]
fn nothing_to_draw_is_an_error() {
    let runs = [json!({"round_trip": {"p50_us": 10}})];
    let servers = [Server { name: "bpio", runs: &runs }];
    assert!(latency_svg(&servers).is_err());
    assert!(memory_svg(&servers).is_err());
}

#[test]
fn the_memory_chart_draws_the_median_of_the_runs_at_each_count() {
    let readings = |kib: [u64; 3]| {
        json!({"rss_kib": {"by_devices": [
            {"devices": 0, "rss_kib": kib[0]},
            {"devices": 1, "rss_kib": kib[1]},
            {"devices": 101, "rss_kib": kib[2]},
        ]}})
    };
    let bpio = [
        readings([10240, 11264, 13312]),
        readings([10240, 11264, 99999]),
        readings([10240, 11264, 12288]),
    ];
    assert_eq!(memory_points(&bpio), [(0.0, 10.0), (1.0, 11.0), (101.0, 13.0)]);
    let reference = [readings([20480, 21504, 40960])];
    let servers =
        [Server { name: "bpio", runs: &bpio }, Server { name: "reference", runs: &reference }];
    let svg = memory_svg(&servers).unwrap();
    // (13 − 11) MiB over 100 more devices.
    let label = "bpio: 10.0 MiB idle, 11.0 MiB with 1 device, 20.5 KiB more per device up to 101";
    assert!(svg.contains(label), "{svg}");
    assert!(svg.contains("reference: 20.0 MiB idle, 21.0 MiB with 1 device, 194.6 KiB"), "{svg}");
}
