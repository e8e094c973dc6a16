//! How many devices and how many clients one engine serves (issue 23, docs/SCALING.md).
//!
//! `devices`: one client drives N fake websocket devices (Lovense Hush, gap 0) and the gap
//! device, each at 100 Hz with a new level every command, for a window after a warm-up; N steps
//! up until something gives. `clients`: M clients, each driving its own device at 100 Hz (the
//! first one the gap device too); M steps up likewise. Per step: the commands sent and those
//! that never reached their device, the gap device's shortest interval, client → device latency,
//! late pings, the engine's and the tool's processor time and the engine's memory; a step that
//! breaks a bound (`analysis::Bounds`) is the last, and says what gave.
//!
//! Fake devices and clients are kept from one step to the next and more are added: only the
//! window is measured, and connecting hundreds anew each step would only cost time.

mod analysis;
mod driver;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bpio_protocol::v4;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use self::analysis::{
    Bounds, Delivery, Gave, Stamped, StepFigures, deliveries, gap_tolerance, gap_violations, judge,
};
pub use self::driver::level;
use self::driver::{Driver, Plan, Record, Target, Window};
use crate::client::{self, Client, PATIENCE};
use crate::config::{GAP_ADDRESS, GAP_DISPLAY_NAME};
use crate::device::FakeDevice;
use crate::gap::GapAnalysis;
use crate::memory::{cpu_time, rss_kib};
use crate::stats::{Summary, micros, summary_json};

/// What is stepped up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Devices on one client.
    Devices,
    /// Clients, a device each.
    Clients,
}

/// What to measure, and where.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Devices or clients.
    pub mode: Mode,
    /// The engine's client websocket.
    pub url: String,
    /// The engine's device websocket.
    pub device_url: String,
    /// The engine's process id, for its processor time and memory.
    pub pid: Option<u32>,
    /// Devices (or clients) of each step, in order.
    pub steps: Vec<usize>,
    /// Commands per second to each device.
    pub rate_hz: u32,
    /// Load before the measured window of each step.
    pub warmup: Duration,
    /// The measured window of each step.
    pub window: Duration,
    /// The gap the user config gives the gap device.
    pub gap: Duration,
    /// A ping answered later than this counts as timed out (a client with this `MaxPingTime`
    /// would be dropped).
    pub ping_bound: Duration,
    /// What a step must stay within.
    pub bounds: Bounds,
    /// Run every step, even after one gave (on a machine shared with other work, to see the
    /// whole curve); the run's `gave` is still the first step that gave.
    pub keep_going: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: Mode::Devices,
            url: String::new(),
            device_url: String::new(),
            pid: None,
            steps: vec![1, 10, 50, 100, 200, 400, 800, 1600],
            rate_hz: 100,
            warmup: Duration::from_secs(2),
            window: Duration::from_secs(10),
            gap: Duration::from_millis(50),
            ping_bound: Duration::from_secs(1),
            bounds: Bounds {
                cores: std::thread::available_parallelism().map_or(1, usize::from),
                ..Bounds::default()
            },
            keep_going: false,
        }
    }
}

/// The command line of `bpio-bench scale`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to step up.
    #[arg(value_enum)]
    mode: Mode,
    /// The engine's client websocket, e.g. ws://127.0.0.1:12345; it must serve one client more
    /// than the step's clients (--max-clients), for the one that finds and stops the devices.
    #[arg(long)]
    url: String,
    /// The engine's device websocket, e.g. ws://127.0.0.1:54817; its user config must be the
    /// bench's (`bpio-bench user-config`).
    #[arg(long)]
    device_url: String,
    /// The engine's process id, for its processor time and memory.
    #[arg(long)]
    pid: Option<u32>,
    /// Devices (or clients) of each step; the steps end at the first that gives.
    #[arg(long, value_delimiter = ',', default_values_t = Settings::default().steps)]
    steps: Vec<usize>,
    /// Commands per second to each device.
    #[arg(long, default_value_t = Settings::default().rate_hz)]
    rate_hz: u32,
    /// Seconds of load before each step's window.
    #[arg(long, default_value_t = Settings::default().warmup.as_secs_f64())]
    warmup_secs: f64,
    /// Seconds of each step's measured window.
    #[arg(long, default_value_t = Settings::default().window.as_secs_f64())]
    secs: f64,
    /// The gap device's timing gap; must be what the engine's user config says.
    #[arg(long, default_value_t = 50)]
    gap_ms: u64,
    /// Client → device latency p99 a step may reach, in milliseconds.
    #[arg(long, default_value_t = 10.0)]
    p99_ms: f64,
    /// A ping answered later than this many milliseconds counts as timed out.
    #[arg(long, default_value_t = 1000)]
    ping_ms: u64,
    /// Run every step, even after one gave.
    #[arg(long)]
    keep_going: bool,
}

impl Args {
    /// The settings these arguments ask for.
    pub fn settings(self) -> Result<Settings> {
        let seconds = |s: f64, what: &str| {
            Duration::try_from_secs_f64(s).with_context(|| format!("{what} is not a duration"))
        };
        let defaults = Settings::default();
        Ok(Settings {
            mode: self.mode,
            url: self.url,
            device_url: self.device_url,
            pid: self.pid,
            steps: self.steps,
            rate_hz: self.rate_hz,
            warmup: seconds(self.warmup_secs, "--warmup-secs")?,
            window: seconds(self.secs, "--secs")?,
            gap: Duration::from_millis(self.gap_ms),
            ping_bound: Duration::from_millis(self.ping_ms),
            bounds: Bounds { p99: seconds(self.p99_ms / 1e3, "--p99-ms")?, ..defaults.bounds },
            keep_going: self.keep_going,
        })
    }
}

/// Lead time between handing out the plans and the first command, so every driver has its plan.
const LEAD: Duration = Duration::from_millis(300);

/// How often the fake devices' writes are collected while a step runs.
const COLLECT_EVERY: Duration = Duration::from_millis(50);

/// The level the probe sets, to find which fake device has which index.
const PROBE_LEVEL: i64 = 20;

/// Runs every step of `settings` until one gives, handing each step's figures to `on_step` as
/// it ends; the figures of the run as JSON.
pub async fn run(settings: &Settings, on_step: &mut dyn FnMut(&Value)) -> Result<Value> {
    let mut fleet = Fleet::connect(&settings.url, &settings.device_url).await?;
    let mut drivers: Vec<Driver> = Vec::new();
    let mut steps = Vec::new();
    let mut gave = Value::Null;
    for &n in &settings.steps {
        let step = async {
            fleet.grow(n).await?;
            let wanted = if settings.mode == Mode::Devices { 1 } else { n };
            while drivers.len() < wanted {
                let name = format!("bpio-bench scale {}", drivers.len());
                let connecting = Client::connect_and_handshake_skipping_lists(&settings.url, &name);
                let client = connecting.await.context(
                    "connecting a client (the engine needs --max-clients one above the clients)",
                )?;
                drivers.push(Driver::spawn(client));
            }
            run_step(settings, &mut fleet, &drivers, n).await
        };
        // A step that could not run at all (a connection refused or lost) ends the run.
        let (figures, failed, broken) = match step.await {
            Ok((figures, failed)) => (figures, failed, false),
            Err(err) => {
                let error = format!("{err:#}");
                (json!({"n": n, "error": error}), vec![error], true)
            }
        };
        on_step(&figures);
        steps.push(figures);
        if !failed.is_empty() && gave.is_null() {
            gave = json!({"n": n, "what": failed});
        }
        if broken || (!gave.is_null() && !settings.keep_going) {
            break;
        }
        fleet.stop_all().await?;
    }
    for driver in drivers {
        driver.close().await;
    }
    fleet.close().await;
    Ok(json!({
        "mode": format!("{:?}", settings.mode).to_lowercase(),
        "rate_hz": settings.rate_hz,
        "warmup_s": settings.warmup.as_secs_f64(),
        "window_s": settings.window.as_secs_f64(),
        "gap_ms": settings.gap.as_millis(),
        "ping_bound_us": micros(settings.ping_bound),
        "bounds": settings.bounds.to_json(),
        "steps": steps,
        "gave": gave,
    }))
}

/// The fake devices, the client that finds them, and what they read.
struct Fleet {
    /// Lists the devices, finds which is which, and stops them between steps.
    control: Client,
    device_url: String,
    /// The gap device first, then the devices with gap 0.
    fakes: Vec<FakeDevice>,
    /// What each fake device read in the current step.
    writes: Vec<Vec<Stamped>>,
    /// Each fake device's vibrator, once found.
    targets: Vec<Option<Target>>,
}

impl Fleet {
    async fn connect(url: &str, device_url: &str) -> Result<Self> {
        let mut control = Client::connect_and_handshake(url, "bpio-bench scale control").await?;
        let id = control.fresh_id();
        control.request_ok(v4::StartScanning { id }.into()).await?;
        let gap = FakeDevice::connect(device_url, GAP_ADDRESS).await?;
        let mut fleet = Self {
            control,
            device_url: device_url.to_owned(),
            fakes: vec![gap],
            writes: vec![Vec::new()],
            targets: vec![None],
        };
        fleet.find_new().await?;
        let gap_listed = fleet.targets[0]
            .and_then(|target| fleet.control.devices.get(&target.device))
            .is_some_and(|device| device.device_display_name.as_deref() == Some(GAP_DISPLAY_NAME));
        if !gap_listed {
            bail!(
                "the gap device is not listed as {GAP_DISPLAY_NAME:?}: is the bench's user config loaded?"
            );
        }
        Ok(fleet)
    }

    /// Connects fake devices until `n` with gap 0 are there, and finds them.
    async fn grow(&mut self, n: usize) -> Result<()> {
        while self.fakes.len() < n + 1 {
            let address = format!("bench-scale-{}", self.fakes.len());
            self.fakes.push(FakeDevice::connect(&self.device_url, &address).await?);
            self.writes.push(Vec::new());
            self.targets.push(None);
        }
        self.find_new().await
    }

    /// Finds which listed device each new fake device is: sets each unknown device's vibrator
    /// and sees which fake device reads it (the tool knows nothing of how a server numbers its
    /// devices); then stops them all.
    async fn find_new(&mut self) -> Result<()> {
        let wanted = self.fakes.len();
        let what = format!("{wanted} fake devices");
        self.control.wait_for_devices(&what, PATIENCE * 6, |list| list.len() >= wanted).await?;
        let known: Vec<u32> = self.targets.iter().flatten().map(|target| target.device).collect();
        let unknown: Vec<Target> = self
            .control
            .devices
            .values()
            .filter(|device| !known.contains(&device.device_index))
            .filter_map(|device| {
                Some(Target {
                    device: device.device_index,
                    feature: client::vibrator_feature(device)?,
                })
            })
            .collect();
        for target in unknown {
            let id = self.control.fresh_id();
            let probe = client::vibrate(id, target.device, target.feature, PROBE_LEVEL);
            self.control.request_ok(probe).await?;
            let fake = self.reader_of_probe().await?;
            if let Some(slot) = self.targets.get_mut(fake) {
                *slot = Some(target);
            }
        }
        if self.targets.iter().any(Option::is_none) {
            bail!("a fake device is not listed with a vibrator");
        }
        self.stop_all().await
    }

    /// The fake device, among those not found yet, that reads the probe's level.
    async fn reader_of_probe(&mut self) -> Result<usize> {
        let probe = format!("Vibrate:{PROBE_LEVEL}");
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            for (n, fake) in self.fakes.iter_mut().enumerate() {
                let unknown = self.targets.get(n).is_some_and(Option::is_none);
                if unknown && fake.take_writes().iter().any(|write| write.command == probe) {
                    return Ok(n);
                }
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        bail!("no fake device read the probe within {PATIENCE:?}")
    }

    /// Stops every device, so the next step's first level is never taken for a repeat.
    async fn stop_all(&mut self) -> Result<()> {
        let id = self.control.fresh_id();
        self.control.request_ok(client::stop_all(id)).await?;
        while self.control.try_next()?.is_some() {}
        Ok(())
    }

    /// Moves what every fake device read into `writes`; returns how many writes that was.
    fn collect(&mut self) -> usize {
        let mut count = 0;
        for (fake, writes) in self.fakes.iter_mut().zip(&mut self.writes) {
            for write in fake.take_writes() {
                let level = write.command.strip_prefix("Vibrate:").and_then(|l| l.parse().ok());
                if let Some(level) = level {
                    writes.push((write.at, level));
                    count += 1;
                }
            }
        }
        count
    }

    /// Forgets what was read so far.
    fn clear(&mut self) {
        self.collect();
        self.writes.iter_mut().for_each(Vec::clear);
    }

    async fn close(self) {
        self.control.close().await;
        futures_util::future::join_all(self.fakes.into_iter().map(FakeDevice::close)).await;
    }
}

/// Processor time of the engine, the tool and the whole machine at one moment.
#[derive(Debug, Clone, Copy)]
struct CpuSample {
    at: Instant,
    engine: Option<Duration>,
    tool: Option<Duration>,
    machine: Option<Duration>,
}

impl CpuSample {
    fn take(pid: Option<u32>) -> Self {
        Self {
            at: Instant::now(),
            engine: pid.and_then(|pid| cpu_time(pid).ok()),
            tool: cpu_time(std::process::id()).ok(),
            machine: machine_busy(),
        }
    }

    /// Cores each kept busy from `self` to `later`.
    fn cores(&self, later: &Self) -> (Option<f64>, Option<f64>, Option<f64>) {
        let seconds = later.at.saturating_duration_since(self.at).as_secs_f64().max(1e-9);
        let busy = |a: Option<Duration>, b: Option<Duration>| {
            Some(b?.saturating_sub(a?).as_secs_f64() / seconds)
        };
        (
            busy(self.engine, later.engine),
            busy(self.tool, later.tool),
            busy(self.machine, later.machine),
        )
    }
}

/// The processor time every core of the machine has spent busy (not idle, not waiting for I/O),
/// from Linux's `/proc/stat`.
fn machine_busy() -> Option<Duration> {
    parse_proc_stat(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// The busy time of the `cpu` line of `/proc/stat` (user nice system idle iowait irq softirq
/// steal, in clock ticks of 10 ms).
fn parse_proc_stat(stat: &str) -> Option<Duration> {
    let line = stat.lines().find_map(|line| line.strip_prefix("cpu "))?;
    let ticks: Vec<u64> = line.split_whitespace().map(|t| t.parse().ok()).collect::<Option<_>>()?;
    let total: u64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some(Duration::from_millis(total.checked_sub(idle)? * 10))
}

/// One step: `n` devices (or clients) driven through a window; its figures, and what gave.
async fn run_step(
    settings: &Settings,
    fleet: &mut Fleet,
    drivers: &[Driver],
    n: usize,
) -> Result<(Value, Vec<String>)> {
    let start = Instant::now() + LEAD;
    let window = Window {
        start,
        measure: start + settings.warmup,
        end: start + settings.warmup + settings.window,
    };
    // Which fake device each driver's targets are, in the plan's order.
    let assignments: Vec<Vec<usize>> = match settings.mode {
        Mode::Devices => vec![(0..=n).collect()],
        Mode::Clients => (0..n).map(|i| if i == 0 { vec![0, 1] } else { vec![i + 1] }).collect(),
    };
    fleet.clear();
    let period = Duration::from_secs(1) / settings.rate_hz.max(1);
    let mut done = Vec::new();
    for (i, (driver, fakes)) in drivers.iter().zip(&assignments).enumerate() {
        let targets = fakes.iter().filter_map(|&fake| fleet.targets.get(fake).copied().flatten());
        let (tx, rx) = oneshot::channel();
        let offset =
            period * u32::try_from(i).unwrap_or(0) / u32::try_from(drivers.len()).unwrap_or(1);
        let plan = Plan {
            targets: targets.collect(),
            rate_hz: settings.rate_hz,
            window,
            offset,
            done: tx,
        };
        driver.give(plan)?;
        done.push(rx);
    }

    // Collect the devices' writes while the step runs; read the processor times at the
    // window's ends.
    let mut before = None;
    let mut after = None;
    while after.is_none() {
        let now = Instant::now();
        let milestone = if before.is_none() { window.measure } else { window.end };
        tokio::time::sleep_until(milestone.min(now + COLLECT_EVERY).into()).await;
        fleet.collect();
        if Instant::now() >= milestone {
            let sample = CpuSample::take(settings.pid);
            if before.is_none() { before = Some(sample) } else { after = Some(sample) }
        }
    }
    let rss = settings.pid.and_then(|pid| rss_kib(pid).ok());
    let mut records = Vec::new();
    for rx in done {
        // A driver waits for its last replies; the devices keep reading meanwhile.
        let mut rx = rx;
        let record = loop {
            tokio::select! {
                record = &mut rx => break record.context("a driver ended")?,
                () = tokio::time::sleep(COLLECT_EVERY) => { fleet.collect(); }
            }
        };
        records.push(record?);
    }
    settle(fleet).await;

    let (before, after) = (before.context("no sample")?, after.context("no sample")?);
    let step = Step { settings, fleet, records: &records, assignments: &assignments, window };
    let (figures, json) = step.figures(&before, &after);
    let gave: Vec<String> = judge(&figures, &settings.bounds).iter().map(Gave::describe).collect();
    let mut json = json;
    json["n"] = json!(n);
    json["devices"] = json!(n + 1);
    json["clients"] = json!(drivers.len());
    json["rss_kib"] = json!(rss);
    json["gave"] = json!(gave);
    Ok((json, gave))
}

/// Collects writes until none has come for a while: the last commands' writes are in.
async fn settle(fleet: &mut Fleet) {
    let quiet = Duration::from_millis(200);
    let deadline = Instant::now() + PATIENCE;
    let mut last_write = Instant::now();
    while Instant::now() < deadline && last_write.elapsed() < quiet {
        tokio::time::sleep(COLLECT_EVERY).await;
        if fleet.collect() > 0 {
            last_write = Instant::now();
        }
    }
}

/// The records of one step, to be judged.
struct Step<'a> {
    settings: &'a Settings,
    fleet: &'a Fleet,
    records: &'a [Record],
    assignments: &'a [Vec<usize>],
    window: Window,
}

impl Step<'_> {
    /// The figures that decide the step, and all of them as JSON.
    fn figures(&self, before: &CpuSample, after: &CpuSample) -> (StepFigures, Value) {
        let (from, until) = (self.window.measure, self.window.end);
        let mut latencies = Vec::new();
        let mut figures = StepFigures::default();
        let mut gap = None;
        for (record, fakes) in self.records.iter().zip(self.assignments) {
            for (sent, &fake) in record.sent.iter().zip(fakes) {
                let writes = self.fleet.writes.get(fake).map_or(&[][..], Vec::as_slice);
                let delivery = deliveries(sent, writes, from, until);
                figures.sent += u64::try_from(delivery.sent).unwrap_or(u64::MAX);
                if fake == 0 {
                    gap = Some(self.inside_window(sent, writes));
                    continue;
                }
                figures.missed += u64::try_from(delivery.missed).unwrap_or(u64::MAX);
                latencies.extend(delivery.latencies);
            }
            figures.errors += record.errors;
        }
        let devices = self.assignments.iter().map(Vec::len).sum::<usize>();
        let per_device = self.settings.window.as_secs_f64() * f64::from(self.settings.rate_hz);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let aimed = (per_device * devices as f64).round() as u64;
        figures.aimed = aimed;
        figures.latency = Summary::of(latencies);
        let tolerance = gap_tolerance(figures.latency.as_ref());
        let gap = gap.map(|(sent, writes)| {
            let violations = gap_violations(&writes, self.settings.gap, tolerance);
            (GapAnalysis::of(self.settings.gap, &sent, &writes), violations)
        });
        figures.gap_violations = gap.as_ref().map_or(0, |gap| gap.1);
        let pings: Vec<Duration> =
            self.records.iter().flat_map(|r| r.pings.iter().copied()).collect();
        let late = pings.iter().filter(|&&ping| ping > self.settings.ping_bound).count();
        figures.late_pings = late + self.records.iter().map(|r| r.unanswered_pings).sum::<usize>();
        let (engine, tool, machine) = before.cores(after);
        figures.engine_cores = engine;
        figures.tool_cores = tool.unwrap_or(0.0);
        let first_error = self.records.iter().find_map(|r| r.first_error.clone());
        let mut json = figures.to_json();
        json["commands_per_second"] =
            json!((figures.sent as f64 / self.settings.window.as_secs_f64()).round());
        json["gap"] = gap.map_or(Value::Null, |gap| gap.0.to_json());
        json["gap_tolerance_us"] = json!(micros(tolerance));
        json["pings"] = summary_json(pings);
        json["machine_cores"] = json!(machine.map(analysis::round2));
        json["first_error"] = json!(first_error);
        (figures, json)
    }

    /// When the gap device's commands were sent and its writes read inside the window (stops
    /// left out).
    fn inside_window(&self, sent: &[Stamped], writes: &[Stamped]) -> (Vec<Instant>, Vec<Instant>) {
        let (from, until) = (self.window.measure, self.window.end);
        let inside = |&&(at, level): &&Stamped| from <= at && at < until && level != 0;
        let times = |stamped: &[Stamped]| stamped.iter().filter(inside).map(|s| s.0).collect();
        (times(sent), times(writes))
    }
}

/// The table of a run, one line a step.
pub fn table(run: &Value) -> String {
    let mut out = table_header(run["mode"].as_str().unwrap_or("?"));
    for step in run["steps"].as_array().into_iter().flatten() {
        out += &table_line(step);
    }
    out
}

/// The head of the table; `mode` names the first column.
pub fn table_header(mode: &str) -> String {
    format!(
        "{mode:<8}{:>9}{:>9}{:>8}{:>8}{:>10}{:>10}{:>8}{:>8}{:>8}{:>11}  gave\n",
        "cmds/s", "sent", "missed", "gap ok", "p50", "p99", "engine", "tool", "all", "rss"
    )
}

/// The line of one step in the table.
pub fn table_line(step: &Value) -> String {
    if let Some(error) = step["error"].as_str() {
        return format!("{:<8}{error}\n", step["n"]);
    }
    let ms = |v: &Value| {
        #[allow(clippy::cast_precision_loss)] // microseconds, far below 2^52
        v.as_u64().map_or_else(|| "—".to_owned(), |us| format!("{:.2} ms", us as f64 / 1e3))
    };
    let cores = |v: &Value| v.as_f64().map_or_else(|| "—".to_owned(), |c| format!("{c:.2}"));
    let sent = step["sent"].as_f64().unwrap_or(0.0);
    let aimed = step["aimed"].as_f64().unwrap_or(0.0).max(1.0);
    let gap_ok = step["gap_violations"].as_u64() == Some(0);
    let gave: Vec<&str> =
        step["gave"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    format!(
        "{:<8}{:>9}{:>8.1}%{:>8}{:>8}{:>10}{:>10}{:>8}{:>8}{:>8}{:>11}  {}\n",
        step["n"].to_string(),
        step["commands_per_second"].to_string(),
        sent * 100.0 / aimed,
        step["missed"].to_string(),
        if gap_ok { "yes" } else { "NO" },
        ms(&step["latency"]["p50_us"]),
        ms(&step["latency"]["p99_us"]),
        cores(&step["engine_cores"]),
        cores(&step["tool_cores"]),
        cores(&step["machine_cores"]),
        step["rss_kib"].as_u64().map_or_else(|| "—".to_owned(), |kib| format!("{kib} KiB")),
        if gave.is_empty() { "—".to_owned() } else { gave.join("; ") },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_time_of_the_machine_leaves_out_idle_and_io_wait() {
        let stat = "cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 50 2 25 500 10 1 1 5 0 0\n";
        // user + nice + system + irq + softirq + steal = 170 ticks of 10 ms.
        assert_eq!(parse_proc_stat(stat), Some(Duration::from_millis(1700)));
        assert_eq!(parse_proc_stat("cpu0 1 2 3\n"), None);
        assert_eq!(parse_proc_stat("cpu  1 x 3\n"), None);
        assert!(machine_busy().is_some());
    }

    #[test]
    fn the_table_has_a_line_a_step_and_says_what_gave() {
        let run = json!({"mode": "devices", "steps": [
            {"n": 1, "sent": 1000, "aimed": 1000, "missed": 0, "gap_violations": 0,
             "commands_per_second": 200.0, "latency": {"p50_us": 90, "p99_us": 250},
             "engine_cores": 0.05, "tool_cores": 0.04, "machine_cores": 0.3, "rss_kib": 11000,
             "gave": []},
            {"n": 400, "sent": 900, "aimed": 1000, "missed": 12, "gap_violations": 0,
             "commands_per_second": 36000.0, "latency": {"p50_us": 900, "p99_us": 25000},
             "engine_cores": 0.9, "tool_cores": 0.95, "machine_cores": 1.95, "rss_kib": 20000,
             "gave": ["12 missed writes", "p99 25.0 ms"]},
            {"n": 800, "error": "connecting: refused"}
        ]});
        let table = table(&run);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].contains("0.25 ms") && lines[1].ends_with('—'), "{table}");
        assert!(lines[2].contains("90.0%") && lines[2].contains("12 missed writes; p99 25.0 ms"));
        assert!(lines[3].contains("refused"));
    }
}
