//! A run: which measurements are made, in which order (each timing itself is in `timings`).
//!
//! Against a server with a device websocket port: memory idle, the handshake, memory with one
//! fake device and at steps of more, then round trips, pipelined throughput, client → device
//! latency, the timing gap, a StopCmd in the middle of a flood, the stop after a killed client
//! and, with `spin`, round trips and client → device latency once more with a client and a device
//! that spin on their sockets (in a session of their own, last, so that nothing else runs beside
//! them). Against the echo baseline (no device port) only what needs no device: the handshake,
//! round trips, throughput, the reply to a StopCmd after a flood and, with `spin`, the spinning
//! round trips. A section that fails is recorded as `{"error": …}` and the run goes on where it
//! can.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bpio_protocol::v4;
use serde_json::{Map, Value, json};

use crate::client::{self, Client, PATIENCE};
use crate::config::{GAP_ADDRESS, GAP_DISPLAY_NAME, MAIN_ADDRESS, SPIN_ADDRESS};
use crate::device::FakeDevice;
use crate::memory::{peak_rss_kib, reset_peak_rss, rss_kib};
use crate::spin::{self, SpinDevice};
use crate::stats::summary_json;
use crate::timings::{
    Device, client_side, device_latency, stop_after_kill, stop_in_flood, timing_gap,
};

/// How much of each measurement to make.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Fresh connections whose handshake is timed.
    pub handshakes: usize,
    /// Sequential OutputCmd → Ok round trips.
    pub round_trips: usize,
    /// Commands in flight in the throughput measurement.
    pub pipeline_depth: usize,
    /// Commands sent in the throughput measurement.
    pub pipelined: usize,
    /// OutputCmds timed until the fake device receives them.
    pub latency_samples: usize,
    /// The gap the user config gives the gap device, in milliseconds.
    pub gap_ms: u32,
    /// How long commands are sent to the gap device, one every 2 ms.
    pub gap_flood: Duration,
    /// How long each flood before a StopCmd lasts.
    pub stop_flood: Duration,
    /// Rounds of the stop measurements.
    pub stop_rounds: usize,
    /// Fake devices added for the per-device memory figure.
    pub extra_devices: usize,
    /// Numbers of extra fake devices at which resident memory is read on the way to the most of
    /// them (`extra_devices` is always one): memory against device count.
    pub extra_device_steps: Vec<usize>,
    /// Whether to measure round trips and client → device latency once more with a client and a
    /// device that spin on their sockets (see `spin`).
    pub spin: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            handshakes: 10,
            round_trips: 2000,
            pipeline_depth: 16,
            pipelined: 5000,
            latency_samples: 1000,
            gap_ms: 50,
            gap_flood: Duration::from_secs(3),
            stop_flood: Duration::from_millis(250),
            stop_rounds: 5,
            extra_devices: 100,
            extra_device_steps: vec![10, 25, 50, 100, 200],
            spin: false,
        }
    }
}

impl Settings {
    /// The numbers of extra devices at which memory is read: the steps and `extra_devices`, in
    /// order, without 0 (that is the reading with one device).
    pub fn memory_steps(&self) -> Vec<usize> {
        let mut steps: Vec<usize> = self.extra_device_steps.clone();
        steps.push(self.extra_devices);
        steps.retain(|&n| n > 0);
        steps.sort_unstable();
        steps.dedup();
        steps
    }
}

/// The server measured.
#[derive(Debug, Clone)]
pub struct Target {
    /// A label for the report ("bpio", "reference", "echo").
    pub name: String,
    /// The client websocket URL.
    pub url: String,
    /// The device websocket URL; `None` for the echo baseline.
    pub device_url: Option<String>,
    /// The server's process id, for its memory.
    pub pid: Option<u32>,
}

/// Pause that lets a server settle (finish a session, register a device) before a reading.
pub(crate) const SETTLE: Duration = Duration::from_millis(500);

/// Runs every measurement `target` supports and returns the results as JSON.
pub async fn run(target: &Target, settings: &Settings) -> Result<Value> {
    let mut out = Map::new();
    out.insert("server".into(), json!(target.name));
    out.insert("url".into(), json!(target.url));
    out.insert(
        "settings".into(),
        json!({
            "pipeline_depth": settings.pipeline_depth,
            "gap_ms": settings.gap_ms,
            "extra_devices": settings.extra_devices,
            "spin": settings.spin,
        }),
    );
    let mut rss = Map::new();
    if let Some(pid) = target.pid {
        tokio::time::sleep(SETTLE).await;
        rss.insert("idle".into(), json!(rss_kib(pid)?));
    }
    out.insert("handshake".into(), section(handshakes(&target.url, settings.handshakes).await));
    let client = Client::connect_and_handshake(&target.url, "bpio-bench").await?;
    match &target.device_url {
        None => {
            baseline(client, target.pid, settings, &mut out).await;
            if settings.spin {
                let device = Device { index: 0, feature: 0 };
                spinning(&target.url, device, None, settings, &mut out).await;
            }
        }
        Some(device_url) => {
            with_devices(client, device_url, target, settings, &mut out, &mut rss).await?;
        }
    }
    // The peak since the commands began, the floods included (not the extra devices).
    if let Some(peak) = target.pid.and_then(|pid| peak_rss_kib(pid).ok()) {
        rss.insert("peak".into(), json!(peak));
    }
    if !rss.is_empty() {
        out.insert("rss_kib".into(), rss.into());
    }
    Ok(out.into())
}

/// The echo baseline: what needs no device (any device index is answered with Ok).
async fn baseline(
    mut client: Client,
    pid: Option<u32>,
    settings: &Settings,
    out: &mut Map<String, Value>,
) {
    let device = Device { index: 0, feature: 0 };
    reset_peak(pid);
    client_side(&mut client, device, settings, out).await;
    out.insert(
        "stop_in_flood".into(),
        section(stop_in_flood(&mut client, None, device, settings).await),
    );
    client.close().await;
}

/// A server with a device websocket port: memory with devices, then every timing.
async fn with_devices(
    mut client: Client,
    device_url: &str,
    target: &Target,
    settings: &Settings,
    out: &mut Map<String, Value>,
    rss: &mut Map<String, Value>,
) -> Result<()> {
    // Devices first, while nothing else has touched the server's memory.
    request_ok(&mut client, |id| v4::StartScanning { id }.into()).await?;
    let mut main = FakeDevice::connect(device_url, MAIN_ADDRESS).await?;
    client.wait_for_devices("the fake device", PATIENCE, |list| list.len() == 1).await?;
    let main_device = only_device(&client)?;
    let main_gap = client.devices.get(&main_device.index).map(|d| d.device_message_timing_gap);
    out.insert("main_device_gap_ms".into(), json!(main_gap));
    if let Some(pid) = target.pid {
        device_memory(&mut client, device_url, pid, settings, rss).await?;
    }

    // The gap device is listed before anything is timed, so its arrival disturbs nothing. It is
    // known by the display name its user record gives it (an index new to the list could be a
    // leaving extra device, in a list event that arrives late).
    let gap_device = FakeDevice::connect(device_url, GAP_ADDRESS).await?;
    let gap_index = |list: &BTreeMap<u32, v4::Device>| {
        list.values()
            .find(|d| d.device_display_name.as_deref() == Some(GAP_DISPLAY_NAME))
            .map(|d| d.device_index)
    };
    client
        .wait_for_devices("the gap device, by its record's display name", PATIENCE, |list| {
            gap_index(list).is_some()
        })
        .await?;
    let gap_index = gap_index(&client.devices).context("the gap device is not listed")?;
    // Likewise the spinning device, which parks until its phase.
    let spin_device = if settings.spin {
        match connect_spin_device(&mut client, device_url).await {
            Ok(device) => Some(device),
            Err(err) => {
                out.insert("device_latency_spin".into(), section(Err(err)));
                None
            }
        }
    } else {
        None
    };

    reset_peak(target.pid);
    client_side(&mut client, main_device, settings, out).await;
    let latency = device_latency(&mut client, &mut main, main_device, settings.latency_samples);
    out.insert("device_latency".into(), section(latency.await));
    let gap = timing_gap(&mut client, gap_device, gap_index, settings);
    out.insert("gap".into(), section(gap.await));
    let flood = stop_in_flood(&mut client, Some(&mut main), main_device, settings);
    out.insert("stop_in_flood".into(), section(flood.await));
    client.close().await;
    let kill = stop_after_kill(&target.url, &mut main, main_device, settings.stop_rounds);
    out.insert("stop_after_kill".into(), section(kill.await));
    if settings.spin {
        spinning(&target.url, main_device, spin_device, settings, out).await;
    }
    Ok(())
}

/// Connects the spinning fake device and finds it in the list: the index that was not there
/// before it came (the extra devices have left, and any late list event about them names an
/// index seen before).
async fn connect_spin_device(
    client: &mut Client,
    device_url: &str,
) -> Result<(SpinDevice, Device)> {
    let before: Vec<u32> = client.devices.keys().copied().collect();
    let url = device_url.to_owned();
    let device = tokio::task::spawn_blocking(move || SpinDevice::connect(&url, SPIN_ADDRESS))
        .await
        .context("the spinning device's connection panicked")??;
    let new_index =
        |list: &BTreeMap<u32, v4::Device>| list.keys().find(|i| !before.contains(i)).copied();
    client
        .wait_for_devices("the spinning device", PATIENCE, |list| new_index(list).is_some())
        .await?;
    let index = new_index(&client.devices).context("the spinning device is not listed")?;
    let listed = client.devices.get(&index).context("the spinning device is not listed")?;
    let feature =
        client::vibrator_feature(listed).context("the spinning device has no vibrator")?;
    Ok((device, Device { index, feature }))
}

/// The spinning phase, on a thread of its own: a fresh client that spins on its socket times
/// round trips on `main`, and client → device latency on the spinning `device` when there is
/// one.
async fn spinning(
    url: &str,
    main: Device,
    device: Option<(SpinDevice, Device)>,
    settings: &Settings,
    out: &mut Map<String, Value>,
) {
    let url = url.to_owned();
    let (round_trips, latency_samples) = (settings.round_trips, settings.latency_samples);
    let phase = tokio::task::spawn_blocking(move || {
        spin::phase(&url, main, device, round_trips, latency_samples)
    });
    match phase.await {
        Ok(figures) => out.extend(figures),
        Err(err) => {
            out.insert("round_trip_spin".into(), json!({"error": format!("panicked: {err}")}));
        }
    }
}

/// Memory with the main device, then at each of the settings' steps of extra devices; the
/// extra devices are closed again. `by_devices` lists every reading by the number of fake devices
/// connected, idle (0) included.
async fn device_memory(
    client: &mut Client,
    device_url: &str,
    pid: u32,
    settings: &Settings,
    rss: &mut Map<String, Value>,
) -> Result<()> {
    tokio::time::sleep(SETTLE).await;
    let one = rss_kib(pid)?;
    rss.insert("one_device".into(), json!(one));
    let mut by_devices: Vec<Value> = rss
        .get("idle")
        .map(|idle| json!({"devices": 0, "rss_kib": idle}))
        .into_iter()
        .chain([json!({"devices": 1, "rss_kib": one})])
        .collect();
    let extra = settings.extra_devices;
    let steps = settings.memory_steps();
    if steps.is_empty() {
        rss.insert("by_devices".into(), by_devices.into());
        return Ok(());
    }
    match extra_devices_rss(client, device_url, pid, &steps).await {
        Ok(readings) => {
            for &(count, kib) in &readings {
                by_devices.push(json!({"devices": count + 1, "rss_kib": kib}));
            }
            if let Some(&(_, with_extra)) = readings.iter().find(|(count, _)| *count == extra) {
                rss.insert("with_extra_devices".into(), json!(with_extra));
                let per_device = with_extra.saturating_sub(one) * 1024 / extra_count(extra);
                rss.insert("per_extra_device_bytes".into(), json!(per_device));
            }
        }
        Err(err) => {
            rss.insert("error".into(), json!(format!("{err:#}")));
        }
    }
    rss.insert("by_devices".into(), by_devices.into());
    // A server that keeps closed devices listed is noted, and the run goes on.
    let left = client
        .wait_for_devices("the extra devices to leave", PATIENCE, |list| list.len() == 1)
        .await;
    rss.insert("extra_devices_left".into(), json!(left.is_ok()));
    Ok(())
}

/// Starts the peak memory figure afresh, where the system allows it.
fn reset_peak(pid: Option<u32>) {
    if let Some(pid) = pid {
        let _ = reset_peak_rss(pid);
    }
}

/// The number of extra devices as a divisor: at least 1.
fn extra_count(count: usize) -> u64 {
    u64::try_from(count).unwrap_or(u64::MAX).max(1)
}

/// A section's result, or its error.
pub(crate) fn section(result: Result<Value>) -> Value {
    result.unwrap_or_else(|err| json!({"error": format!("{err:#}")}))
}

fn only_device(client: &Client) -> Result<Device> {
    let (index, device) = client.devices.iter().next().context("no device listed")?;
    let feature = client::vibrator_feature(device).context("the fake device has no vibrator")?;
    Ok(Device { index: *index, feature })
}

pub(crate) async fn request_ok(
    client: &mut Client,
    message: impl FnOnce(bpio_protocol::ClientId) -> v4::ClientMessage,
) -> Result<Duration> {
    let id = client.fresh_id();
    client.request_ok(message(id)).await
}

/// Connect, handshake and close, `count` times; each timed from opening the TCP connection to
/// reading the server's reply.
async fn handshakes(url: &str, count: usize) -> Result<Value> {
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let client = Client::connect_and_handshake(url, "bpio-bench handshake").await?;
        times.push(started.elapsed());
        client.close().await;
        // One client at a time: give the server a moment to end the session.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(summary_json(times))
}

/// Connects more fake devices, step by step up to the last of `steps` (ascending), reads the
/// memory at each step once they are all listed, then closes them. Returns each step's number
/// of extra devices and the resident memory with them, in KiB.
async fn extra_devices_rss(
    client: &mut Client,
    device_url: &str,
    pid: u32,
    steps: &[usize],
) -> Result<Vec<(usize, u64)>> {
    let mut devices = Vec::with_capacity(steps.last().copied().unwrap_or(0));
    let readings = read_at_steps(client, device_url, pid, steps, &mut devices).await;
    futures_util::future::join_all(devices.into_iter().map(FakeDevice::close)).await;
    readings
}

/// The steps of [`extra_devices_rss`]; the devices connected go to `devices`, to be closed
/// whatever happens.
async fn read_at_steps(
    client: &mut Client,
    device_url: &str,
    pid: u32,
    steps: &[usize],
    devices: &mut Vec<FakeDevice>,
) -> Result<Vec<(usize, u64)>> {
    let mut readings = Vec::with_capacity(steps.len());
    for &count in steps {
        while devices.len() < count {
            let address = format!("bench-extra-{}", devices.len());
            devices.push(FakeDevice::connect(device_url, &address).await?);
        }
        client
            .wait_for_devices("the extra devices", PATIENCE * 6, |list| list.len() > count)
            .await?;
        tokio::time::sleep(SETTLE * 2).await;
        readings.push((count, rss_kib(pid)?));
    }
    Ok(readings)
}

/// The `memory` command: a client scans, and once `devices` devices are listed (a server with
/// simulated devices) the server's resident memory is read.
pub async fn scanned_memory(url: &str, pid: u32, devices: usize) -> Result<Value> {
    let mut client = Client::connect_and_handshake(url, "bpio-bench memory").await?;
    request_ok(&mut client, |id| v4::StartScanning { id }.into()).await?;
    client.wait_for_devices("the devices", PATIENCE, |list| list.len() >= devices).await?;
    tokio::time::sleep(SETTLE * 2).await;
    let listed = client.devices.len();
    let rss = rss_kib(pid)?;
    client.close().await;
    Ok(json!({"devices": listed, "rss_kib": rss}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_at_every_step_and_at_the_per_device_count_in_order() {
        let settings = Settings {
            extra_devices: 30,
            extra_device_steps: vec![50, 0, 10, 50],
            ..Settings::default()
        };
        assert_eq!(settings.memory_steps(), [10, 30, 50]);
        let none =
            Settings { extra_devices: 0, extra_device_steps: Vec::new(), ..Settings::default() };
        assert!(none.memory_steps().is_empty());
        assert_eq!(Settings::default().memory_steps(), [10, 25, 50, 100, 200]);
    }
}
