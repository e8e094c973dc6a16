//! The pictures of a run, as SVG: the latency distributions of every server on one chart, and
//! resident memory against the number of devices connected.
//!
//! The latency chart is a cumulative distribution with latency on a log scale, the usual way to
//! show a tail: a line's height at a latency is the fraction of round trips that took at most
//! that long, so the p50 is where it crosses one half and the long tail is its slow climb to the
//! top at the right. The spinning client's lines are solid, the parked client's dashed. Text is
//! written as SVG `<text>` elements for the viewer to set (plotters without its `ttf` feature),
//! so drawing needs no font on the machine.

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;

use anyhow::{Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::Value;

use crate::stats::{Summary, samples_of};

/// One server's runs, as `measure` wrote them.
#[derive(Debug, Clone, Copy)]
pub struct Server<'a> {
    /// Its label in the legend: "bpio", "reference", "echo".
    pub name: &'a str,
    /// The JSON of each run.
    pub runs: &'a [Value],
}

/// Latencies at which the cumulative distribution is drawn: enough for a smooth line, few enough
/// for an SVG small enough to commit.
const CDF_POINTS: usize = 240;

/// Size of each picture, in pixels.
const LATENCY_SIZE: (u32, u32) = (960, 1100);
const MEMORY_SIZE: (u32, u32) = (960, 560);

/// The cumulative distribution of `samples` at `points` latencies spaced evenly on a log scale
/// from the smallest sample to the largest: (latency in µs, fraction of samples at most that).
/// Empty without samples.
pub fn cdf_log_spaced(samples: &[Duration], points: usize) -> Vec<(f64, f64)> {
    // A log scale has no 0: a sample under 1 ns counts as 1 ns.
    let mut micros: Vec<f64> = samples.iter().map(|s| (s.as_secs_f64() * 1e6).max(1e-3)).collect();
    micros.sort_by(f64::total_cmp);
    let (Some(&low), Some(&high)) = (micros.first(), micros.last()) else { return Vec::new() };
    let count = micros.len() as f64;
    let steps = points.max(2) - 1;
    (0..=steps)
        .map(|step| {
            // The last latency is the largest sample itself, not a rounding of it.
            let x = if step == steps {
                high
            } else {
                low * (high / low).powf(step as f64 / steps as f64)
            };
            (x, micros.partition_point(|&v| v <= x) as f64 / count)
        })
        .collect()
}

/// The latency chart: OutputCmd → Ok round trips of every server (top), and client → device
/// latency of the servers with devices (bottom); each with the spinning client (solid) and the
/// parked one (dashed), the samples of all runs pooled. Fails when there is nothing to draw.
pub fn latency_svg(servers: &[Server<'_>]) -> Result<String> {
    let panels = [
        Panel {
            title: "OutputCmd → Ok round trip",
            keys: [("round_trip_spin", "spinning client"), ("round_trip", "parked client")],
        },
        Panel {
            title: "client → device (OutputCmd sent → device reads its bytes)",
            keys: [("device_latency_spin", "spinning"), ("device_latency", "parked")],
        },
    ];
    let lines: Vec<Vec<Line>> = panels.iter().map(|panel| panel.lines(servers)).collect();
    if lines.iter().all(Vec::is_empty) {
        bail!("no latency samples to draw");
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, LATENCY_SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        for ((panel, lines), area) in panels.iter().zip(&lines).zip(root.split_evenly((2, 1))) {
            draw_cdf(&area, panel.title, lines)?;
        }
        root.present()?;
    }
    Ok(svg)
}

/// The memory chart: resident memory against the fake devices connected, one line per server
/// with device readings (the median of the runs at each count).
pub fn memory_svg(servers: &[Server<'_>]) -> Result<String> {
    let lines: Vec<(&str, Vec<(f64, f64)>)> = servers
        .iter()
        .map(|server| (server.name, memory_points(server.runs)))
        .filter(|(_, points)| !points.is_empty())
        .collect();
    let all = lines.iter().flat_map(|(_, points)| points);
    let max_devices = all.clone().map(|p| p.0).fold(1.0, f64::max);
    let max_mib = all.map(|p| p.1).fold(1.0, f64::max);
    if lines.is_empty() {
        bail!("no memory readings by device count to draw");
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, MEMORY_SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Resident memory against websocket devices connected", font(22))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..max_devices * 1.05, 0.0..max_mib * 1.15)?;
        chart
            .configure_mesh()
            .x_desc("fake websocket devices connected")
            .y_desc("VmRSS (MiB)")
            .x_label_formatter(&|devices| format!("{devices:.0}"))
            .y_label_formatter(&|mib| format!("{mib:.0}"))
            .light_line_style(RGBColor(242, 242, 242))
            .axis_desc_style(font(16))
            .label_style(font(14))
            .draw()?;
        for (name, points) in &lines {
            let colour = colour(name);
            let style = colour.stroke_width(2);
            chart
                .draw_series(LineSeries::new(points.iter().copied(), style))?
                .label(memory_label(name, points))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present()?;
    }
    Ok(svg)
}

/// One chart of the latency picture: which measurement of each server it draws, and how each
/// is named in the legend.
struct Panel {
    title: &'static str,
    /// The JSON key of the spinning measurement and of the parked one, each with its name.
    keys: [(&'static str, &'static str); 2],
}

/// A line of a latency chart.
struct Line {
    label: String,
    colour: RGBColor,
    dashed: bool,
    points: Vec<(f64, f64)>,
    /// p50 and p99, in µs.
    marks: [f64; 2],
}

impl Panel {
    fn lines(&self, servers: &[Server<'_>]) -> Vec<Line> {
        let mut lines = Vec::new();
        for server in servers {
            for (n, (key, how)) in self.keys.iter().enumerate() {
                let samples: Vec<Duration> =
                    server.runs.iter().flat_map(|run| samples_of(&run[*key])).collect();
                let Some(summary) = Summary::of(samples.clone()) else { continue };
                let micros = |d: Duration| d.as_secs_f64() * 1e6;
                lines.push(Line {
                    label: format!(
                        "{}, {how}: p50 {}, p99 {}",
                        server.name,
                        show_micros(micros(summary.p50)),
                        show_micros(micros(summary.p99))
                    ),
                    colour: colour(server.name),
                    dashed: n > 0,
                    points: cdf_log_spaced(&samples, CDF_POINTS),
                    marks: [micros(summary.p50), micros(summary.p99)],
                });
            }
        }
        lines
    }
}

/// Draws one cumulative distribution chart on `area`; an empty one says so.
fn draw_cdf(area: &DrawingArea<SVGBackend<'_>, Shift>, title: &str, lines: &[Line]) -> Result<()> {
    let x_range = latency_range(lines);
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range.log_scale(), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("latency (log scale)")
        .y_desc("fraction at most this long")
        .x_label_formatter(&|&micros| tick_label(micros))
        .y_labels(11)
        .light_line_style(RGBColor(242, 242, 242))
        .axis_desc_style(font(16))
        .label_style(font(14))
        .draw()?;
    if lines.is_empty() {
        let note = Text::new(
            "not measured in this run",
            (area.dim_in_pixel().0 as i32 / 3, 200),
            font(18),
        );
        area.draw(&note)?;
        return Ok(());
    }
    for line in lines {
        let style =
            if line.dashed { line.colour.stroke_width(1) } else { line.colour.stroke_width(2) };
        let points = line.points.iter().copied();
        let drawn = if line.dashed {
            chart.draw_series(DashedLineSeries::new(points, 6, 4, style))?
        } else {
            chart.draw_series(LineSeries::new(points, style))?
        };
        let dashed = line.dashed;
        drawn.label(line.label.as_str()).legend(move |(x, y)| {
            let end = if dashed { x + 10 } else { x + 24 };
            PathElement::new([(x, y), (end, y)], style)
        });
        let [p50, p99] = line.marks;
        let marks = [(p50, 0.5), (p99, 0.99)];
        chart.draw_series(marks.map(|p| Circle::new(p, 4, line.colour.filled())))?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

/// The latencies a chart spans: from under its fastest sample to over its slowest.
fn latency_range(lines: &[Line]) -> Range<f64> {
    let xs = lines.iter().flat_map(|line| line.points.iter().map(|p| p.0));
    let low = xs.clone().fold(f64::INFINITY, f64::min);
    let high = xs.fold(0.0, f64::max);
    if low.is_finite() && high > low { low * 0.8..high * 1.25 } else { 10.0..10_000.0 }
}

fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font(font(15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(|err| anyhow::anyhow!("drawing the legend: {err}"))
}

/// Each step's reading, the median of the runs: (devices connected, MiB).
fn memory_points(runs: &[Value]) -> Vec<(f64, f64)> {
    let mut by_devices: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for reading in
        runs.iter().filter_map(|run| run.pointer("/rss_kib/by_devices")?.as_array()).flatten()
    {
        if let (Some(devices), Some(kib)) =
            (reading["devices"].as_u64(), reading["rss_kib"].as_f64())
        {
            by_devices.entry(devices).or_default().push(kib);
        }
    }
    by_devices
        .into_iter()
        .filter_map(|(devices, mut kib)| {
            kib.sort_by(f64::total_cmp);
            Some((devices as f64, kib.get(kib.len() / 2)? / 1024.0))
        })
        .collect()
}

/// "bpio: 10.0 MiB idle, 10.8 MiB with 1 device, 18.4 KiB more per device up to 201": the
/// readings at 0, 1 and the most devices, and the slope between the last two.
fn memory_label(name: &str, points: &[(f64, f64)]) -> String {
    let at = |devices: f64| points.iter().find(|p| p.0 == devices).map(|p| p.1);
    let mut parts = Vec::new();
    if let Some(idle) = at(0.0) {
        parts.push(format!("{idle:.1} MiB idle"));
    }
    if let Some(one) = at(1.0) {
        parts.push(format!("{one:.1} MiB with 1 device"));
        if let Some(&(most, mib)) = points.last().filter(|last| last.0 > 1.0) {
            let per_device_kib = (mib - one) * 1024.0 / (most - 1.0);
            parts.push(format!("{per_device_kib:.1} KiB more per device up to {most}"));
        }
    }
    if parts.is_empty() { name.to_owned() } else { format!("{name}: {}", parts.join(", ")) }
}

/// A latency axis tick, in the unit that keeps it short: "50 µs", "1 ms".
fn tick_label(micros: f64) -> String {
    if micros >= 1000.0 { format!("{} ms", micros / 1000.0) } else { format!("{micros} µs") }
}

fn show_micros(micros: f64) -> String {
    if micros >= 1000.0 { format!("{:.2} ms", micros / 1000.0) } else { format!("{micros:.0} µs") }
}

/// Each server its own colour, the same in every picture.
fn colour(name: &str) -> RGBColor {
    match name {
        "bpio" => RGBColor(31, 119, 180),
        "reference" => RGBColor(214, 39, 40),
        "echo" => RGBColor(110, 110, 110),
        _ => RGBColor(44, 160, 44),
    }
}

fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", f64::from(size)).into_font().into()
}

#[cfg(test)]
mod tests;
