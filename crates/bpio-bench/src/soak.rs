//! The soak: one client drives every output of every listed device at a steady rate for a long
//! time, and the server's resident memory is sampled once a warm-up is over.
//!
//! With several clients, the outputs are shared among them round-robin at the same rate per
//! output, and one more client keeps coming and going (it connects, sends one command and
//! leaves), so a server that keeps something of every session it served grows too.
//!
//! A server that keeps something for every command (a history, a map keyed by message Id) shows
//! a slope however little each command costs, so the figures are the growth from the end of the
//! warm-up to the end, the slope of a line fitted through every sample, and the growth per
//! command. Each command sets a level different from the one before, so a server that skips
//! repeated values still writes to its devices.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bpio_protocol::ParseError;
use bpio_protocol::v4::{self, OutputType, Range, ServerMessage};
use serde_json::{Value, json};
use tokio::time::MissedTickBehavior;

use crate::client::{Client, PATIENCE};
use crate::device::FakeDevice;
use crate::measure::request_ok;
use crate::memory::rss_kib;

/// How long and how hard to soak.
#[derive(Debug, Clone)]
pub struct SoakSettings {
    /// Commands per second to each output.
    pub rate_hz: u32,
    /// Load before the first sample, so that buffers, caches and the allocator settle.
    pub warmup: Duration,
    /// How long memory is sampled after the warm-up.
    pub duration: Duration,
    /// Time between samples.
    pub sample_every: Duration,
    /// Devices the client waits for in the list before it drives them.
    pub devices: usize,
    /// Fake websocket devices connected to the server's device port first (with a device URL).
    pub fake_devices: usize,
    /// Clients that drive the outputs, each its share (client k outputs k, k + clients, ...).
    pub clients: usize,
    /// Whether one more client connects, sends one command and leaves every `CHURN_EVERY`.
    pub churn: bool,
}

/// How often the churning client comes and goes.
pub const CHURN_EVERY: Duration = Duration::from_secs(1);

impl Default for SoakSettings {
    fn default() -> Self {
        Self {
            rate_hz: 100,
            warmup: Duration::from_secs(10),
            duration: Duration::from_secs(120),
            sample_every: Duration::from_secs(1),
            devices: 1,
            fake_devices: 0,
            clients: 1,
            churn: false,
        }
    }
}

/// One output of one device, with the ranges it advertises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// Device index.
    pub device: u32,
    /// Feature index.
    pub feature: u32,
    /// What the output does.
    pub kind: OutputType,
    /// Its `Value` range.
    pub value: Range,
    /// Its `Duration` range (`HwPositionWithDuration` only).
    pub duration: Option<Range>,
}

/// Every output of every device in `devices`.
pub fn outputs(devices: &BTreeMap<u32, v4::Device>) -> Vec<Output> {
    let mut all = Vec::new();
    for device in devices.values() {
        for feature in device.device_features.values() {
            let Some(output) = &feature.output else { continue };
            for kind in output.types() {
                if let Some(v4::OutputRanges { value, duration }) = output.ranges(kind) {
                    let (device, feature) = (device.device_index, feature.feature_index);
                    all.push(Output { device, feature, kind, value, duration });
                }
            }
        }
    }
    all
}

/// The `step`th level of a triangle wave over `range`: up from the minimum to the maximum and
/// down again, so two steps in a row never repeat a level (unless the range has one value).
pub fn level(range: Range, step: u64) -> i64 {
    let (min, max) = (i64::from(range.min()), i64::from(range.max()));
    let span = u64::try_from(max - min).unwrap_or(0);
    if span == 0 {
        return min;
    }
    let phase = step % (2 * span);
    let up = if phase > span { 2 * span - phase } else { phase };
    min + i64::try_from(up).unwrap_or(0)
}

/// The `OutputCmd` of `output` at `step`.
fn command(id: bpio_protocol::ClientId, output: &Output, step: u64) -> v4::ClientMessage {
    // The middle of the advertised range, for a device that times its own moves.
    let duration =
        output.duration.map_or(0, |range| (i64::from(range.min()) + i64::from(range.max())) / 2);
    let command = v4::OutputCommand::new(output.kind, level(output.value, step), duration);
    v4::OutputCmd { id, device_index: output.device, feature_index: output.feature, command }.into()
}

/// The slope of the least-squares line through `points` (x, y); 0 for fewer than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> f64 {
    #[allow(clippy::cast_precision_loss)] // a count of samples, far below 2^52
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let covariance: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let variance: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if variance > 0.0 { covariance / variance } else { 0.0 }
}

/// What was sent, and what the replies said as they were read.
#[derive(Debug, Default)]
struct Tally {
    sent: u64,
    /// Commands sent after the warm-up.
    measured: u64,
    oks: u64,
    /// Replies other than `Ok` (and device lists), and the first of them.
    others: u64,
    first_other: Option<String>,
    /// The most commands without a reply at any moment: a server that falls behind grows it.
    max_unanswered: u64,
    /// What the fake devices received.
    device_writes: u64,
}

impl Tally {
    fn answered(&self) -> u64 {
        self.oks + self.others
    }

    fn count(&mut self, message: Result<ServerMessage, ParseError>) {
        match message {
            Ok(ServerMessage::Ok(_)) => self.oks += 1,
            Ok(ServerMessage::DeviceList(_)) => {}
            other => {
                self.others += 1;
                self.first_other.get_or_insert_with(|| format!("{other:?}"));
            }
        }
    }

    /// Commands without a reply yet.
    fn unanswered(&self) -> u64 {
        self.sent.saturating_sub(self.answered())
    }

    /// Counts every reply `client` has received within `wait`.
    async fn read(&mut self, client: &mut Client, wait: Duration) -> Result<()> {
        while let Some(received) = client.next_within(wait).await? {
            self.count(received.message);
        }
        Ok(())
    }

    /// Adds what another client sent and was answered.
    fn add(&mut self, other: &Self) {
        self.sent += other.sent;
        self.measured += other.measured;
        self.oks += other.oks;
        self.others += other.others;
        if self.first_other.is_none() {
            self.first_other.clone_from(&other.first_other);
        }
        self.device_writes += other.device_writes;
    }

    /// The JSON of one client's share.
    fn to_json(&self) -> Value {
        json!({
            "commands_sent": self.sent,
            "replies_ok": self.oks,
            "replies_other": self.others,
        })
    }
}

/// One client that drives its share of the outputs.
struct Driver {
    client: Client,
    outputs: Vec<Output>,
    tally: Tally,
}

/// What the churning client did: sessions opened and closed, and its commands.
#[derive(Debug, Default)]
struct Churn {
    sessions: u64,
    tally: Tally,
}

/// Until `end`, every `CHURN_EVERY`: connects to `url`, shakes hands, sends one command to the
/// next of `outputs`, waits for its reply and leaves. Commands sent after `warm` are measured.
async fn churn(url: String, outputs: Vec<Output>, warm: Instant, end: Instant) -> Result<Churn> {
    let mut churn = Churn::default();
    let mut ticks = tokio::time::interval_at((Instant::now() + CHURN_EVERY).into(), CHURN_EVERY);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    for step in 0_u64.. {
        ticks.tick().await;
        if Instant::now() >= end {
            break;
        }
        let name = format!("bpio-bench soak churn {step}");
        let mut client = Client::connect_and_handshake(&url, &name)
            .await
            .with_context(|| format!("session {step} of the churning client"))?;
        churn.sessions += 1;
        let output = &outputs[usize::try_from(step).unwrap_or(0) % outputs.len()];
        let id = client.fresh_id();
        churn.tally.sent += 1;
        if Instant::now() >= warm {
            churn.tally.measured += 1;
        }
        let (reply, _) = client
            .request(command(id, output, step))
            .await
            .with_context(|| format!("the command of churned session {step}"))?;
        churn.tally.count(Ok(reply));
        client.close().await;
    }
    Ok(churn)
}

/// Soaks the server at `url` (process `pid`): connects `settings.fake_devices` fake devices to
/// `device_url` if given, scans until `settings.devices` devices are listed, then drives every
/// output (shared among `settings.clients` clients, with one more churning if `settings.churn`)
/// and samples memory. Returns the figures as JSON.
pub async fn run(
    url: &str,
    device_url: Option<&str>,
    pid: u32,
    settings: &SoakSettings,
) -> Result<Value> {
    let mut fakes = Vec::new();
    if let Some(device_url) = device_url {
        for n in 0..settings.fake_devices {
            fakes.push(FakeDevice::connect(device_url, &format!("bench-soak-{n}")).await?);
        }
    }
    let mut client = Client::connect_and_handshake(url, "bpio-bench soak").await?;
    request_ok(&mut client, |id| v4::StartScanning { id }.into()).await?;
    client
        .wait_for_devices("the devices", PATIENCE * 3, |list| list.len() >= settings.devices)
        .await?;
    client.drain(Duration::from_millis(200)).await?;
    let outputs = outputs(&client.devices);
    if outputs.is_empty() {
        bail!("none of the {} devices listed has an output", client.devices.len());
    }
    let clients = settings.clients.max(1);
    if clients > outputs.len() {
        bail!("{clients} clients cannot share {} outputs: each drives one at least", outputs.len());
    }
    let mut drivers = Vec::with_capacity(clients);
    let share = |k: usize| outputs.iter().skip(k).step_by(clients).copied().collect();
    drivers.push(Driver { client, outputs: share(0), tally: Tally::default() });
    for k in 1..clients {
        let client = Client::connect_and_handshake(url, &format!("bpio-bench soak {k}"))
            .await
            .with_context(|| format!("client {k} of {clients}"))?;
        drivers.push(Driver { client, outputs: share(k), tally: Tally::default() });
    }
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / settings.rate_hz.max(1));
    // A late tick is not made up for: the rate stays steady rather than bursting.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);

    let warm = Instant::now() + settings.warmup;
    let end = warm + settings.duration;
    // The churning client runs beside the drivers, so its handshakes do not delay their ticks.
    let churning =
        settings.churn.then(|| tokio::spawn(churn(url.to_owned(), outputs.clone(), warm, end)));
    let mut next_sample = warm;
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let mut sent_at_warm = None;
    let mut tally = Tally::default();
    let mut step = 0_u64;
    while Instant::now() < end {
        ticks.tick().await;
        for driver in &mut drivers {
            for output in &driver.outputs {
                let id = driver.client.fresh_id();
                driver.client.send(command(id, output, step)).await?;
                driver.tally.sent += 1;
            }
        }
        step += 1;
        let mut sent = 0;
        let mut unanswered = 0;
        for driver in &mut drivers {
            driver.tally.read(&mut driver.client, Duration::ZERO).await?;
            sent += driver.tally.sent;
            unanswered += driver.tally.unanswered();
        }
        tally.max_unanswered = tally.max_unanswered.max(unanswered);
        for fake in &mut fakes {
            tally.device_writes += u64::try_from(fake.take_writes().len()).unwrap_or(0);
        }
        let now = Instant::now();
        if now >= next_sample {
            samples.push((now.duration_since(warm).as_secs_f64(), rss_kib(pid)?));
            sent_at_warm.get_or_insert(sent);
            next_sample += settings.sample_every;
        }
    }
    // Every reply is read before the sessions end, so a slow one is not counted as lost.
    let deadline = Instant::now() + PATIENCE;
    for driver in &mut drivers {
        while driver.tally.answered() < driver.tally.sent && Instant::now() < deadline {
            driver.tally.read(&mut driver.client, Duration::from_millis(100)).await?;
        }
    }
    let churned = match churning {
        Some(task) => Some(task.await.context("the churning client's task failed")??),
        None => None,
    };
    let shares: Vec<Value> = drivers.iter().map(|driver| driver.tally.to_json()).collect();
    for driver in &drivers {
        tally.add(&driver.tally);
    }
    tally.measured = tally.sent - sent_at_warm.unwrap_or(tally.sent);
    if let Some(churned) = &churned {
        tally.add(&churned.tally);
    }
    let mut drivers = drivers.into_iter();
    if let Some(mut first) = drivers.next() {
        request_ok(&mut first.client, crate::client::stop_all).await?;
        first.client.close().await;
    }
    futures_util::future::join_all(drivers.map(|driver| driver.client.close())).await;
    futures_util::future::join_all(fakes.into_iter().map(FakeDevice::close)).await;
    let mut figures = figures(settings, &outputs, &samples, &tally);
    if clients > 1 || churned.is_some() {
        figures["clients"] = json!(clients);
        figures["per_client"] = json!(shares);
        let churned = churned.unwrap_or_default();
        figures["churned_sessions"] = json!(churned.sessions);
        figures["churn"] = churned.tally.to_json();
    }
    Ok(figures)
}

/// The JSON of a soak.
fn figures(
    settings: &SoakSettings,
    outputs: &[Output],
    samples: &[(f64, u64)],
    tally: &Tally,
) -> Value {
    let start = samples.first().map_or(0, |s| s.1);
    let last = samples.last().map_or(0, |s| s.1);
    let growth = i128::from(last) - i128::from(start);
    #[allow(clippy::cast_precision_loss)] // KiB, far below 2^52
    let points: Vec<(f64, f64)> = samples.iter().map(|(t, kib)| (*t, *kib as f64)).collect();
    let seconds = settings.duration.as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // a count of commands, far below 2^52
    let per_second = if seconds > 0.0 { tally.measured as f64 / seconds } else { 0.0 };
    let per_command =
        if tally.measured > 0 { growth * 1024 / i128::from(tally.measured) } else { 0 };
    let devices: std::collections::BTreeSet<u32> = outputs.iter().map(|o| o.device).collect();
    json!({
        "rate_hz": settings.rate_hz,
        "warmup_s": settings.warmup.as_secs_f64(),
        "duration_s": seconds,
        "devices": devices.len(),
        "outputs": outputs.len(),
        "commands": tally.measured,
        "commands_sent": tally.sent,
        "commands_per_second": per_second,
        "replies_ok": tally.oks,
        "replies_other": tally.others,
        "first_other_reply": tally.first_other,
        "max_unanswered": tally.max_unanswered,
        "fake_device_writes": tally.device_writes,
        "rss_kib": {
            "start": start,
            "end": last,
            "min": samples.iter().map(|s| s.1).min(),
            "max": samples.iter().map(|s| s.1).max(),
        },
        "growth_kib": i64::try_from(growth).unwrap_or(i64::MAX),
        "slope_kib_per_min": slope(&points) * 60.0,
        "growth_bytes_per_command": i64::try_from(per_command).unwrap_or(i64::MAX),
        "samples": samples.iter().map(|(t, kib)| json!([t, kib])).collect::<Vec<_>>(),
    })
}

/// Reads a soak's growth in KiB from its JSON.
pub fn growth_kib(soak: &Value) -> Result<i64> {
    soak["growth_kib"].as_i64().context("no growth_kib in the soak's figures")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(min: i32, max: i32) -> Range {
        Range::new(min, max).unwrap()
    }

    #[test]
    fn levels_walk_up_and_down_the_range_and_never_repeat() {
        let levels: Vec<i64> = (0..9).map(|step| level(range(0, 4), step)).collect();
        assert_eq!(levels, [0, 1, 2, 3, 4, 3, 2, 1, 0]);
        assert_eq!(level(range(-2, 2), 1), -1);
        assert_eq!(level(range(7, 7), 5), 7);
        assert!((0..1000).all(|step| level(range(0, 20), step) != level(range(0, 20), step + 1)));
    }

    #[test]
    fn the_slope_is_the_least_squares_line() {
        let line: Vec<(f64, f64)> =
            (0..10).map(|x| (f64::from(x), 3.0 * f64::from(x) + 5.0)).collect();
        assert!((slope(&line) - 3.0).abs() < 1e-9);
        let flat = [(0.0, 10.0), (1.0, 12.0), (2.0, 10.0), (3.0, 12.0), (4.0, 10.0), (5.0, 12.0)];
        assert!(slope(&flat).abs() < 0.3);
        assert_eq!(slope(&[(1.0, 4.0)]), 0.0);
        assert_eq!(slope(&[]), 0.0);
    }
}
