//! Each timing of a run, one function each: round trips, throughput, client → device latency,
//! the timing gap, a StopCmd in a flood, and the stop after a killed client (with the client
//! process it kills).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bpio_protocol::MessageSet;
use bpio_protocol::v4::ServerMessage;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::client::{self, Client, PATIENCE};
use crate::device::FakeDevice;
use crate::gap::GapAnalysis;
use crate::measure::{SETTLE, Settings, request_ok, section};
use crate::stats::{micros, summary_json, summary_with_samples};

/// The highest vibration level of a Lovense toy; commands cycle through 1..=MAX_LEVEL so that
/// consecutive ones always change the output.
const MAX_LEVEL: i64 = 20;

/// The output under test: a device index and the feature with its vibrator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Device {
    pub(crate) index: u32,
    pub(crate) feature: u32,
}

/// Vibration level number `n` of a cycle that never repeats the previous level.
pub(crate) fn level(n: usize) -> i64 {
    i64::try_from(n).map_or(1, |n| n % MAX_LEVEL + 1)
}

/// The measurements that need only a client: round trips and throughput.
pub(crate) async fn client_side(
    client: &mut Client,
    device: Device,
    settings: &Settings,
    out: &mut Map<String, Value>,
) {
    let _ = client.drain(Duration::from_millis(100)).await;
    out.insert(
        "round_trip".into(),
        section(round_trips(client, device, settings.round_trips).await),
    );
    out.insert(
        "throughput".into(),
        section(throughput(client, device, settings.pipeline_depth, settings.pipelined).await),
    );
}

/// Sequential OutputCmd → Ok round trips, after a short warm-up.
async fn round_trips(client: &mut Client, device: Device, count: usize) -> Result<Value> {
    let mut times = Vec::with_capacity(count);
    for n in 0..count + count / 20 {
        let id = client.fresh_id();
        let round_trip =
            client.request_ok(client::vibrate(id, device.index, device.feature, level(n))).await?;
        if n >= count / 20 {
            times.push(round_trip);
        }
    }
    Ok(summary_with_samples(times))
}

/// `total` OutputCmds with `depth` in flight: a new one goes out as each reply arrives.
async fn throughput(
    client: &mut Client,
    device: Device,
    depth: usize,
    total: usize,
) -> Result<Value> {
    if depth == 0 || total == 0 {
        bail!("the pipeline needs a depth and a count");
    }
    let started = Instant::now();
    let (mut sent, mut answered, mut errors) = (0, 0, 0);
    let first_id = client.fresh_id().get();
    while answered < total {
        while sent < total && sent - answered < depth {
            let id = client.fresh_id();
            client.send(client::vibrate(id, device.index, device.feature, level(sent))).await?;
            sent += 1;
        }
        let received = client.next_within(PATIENCE).await?.context("a pipelined reply")?;
        match received.message {
            Ok(ServerMessage::Ok(ok)) if ok.id > first_id => answered += 1,
            Ok(ServerMessage::Error(error)) if error.id > first_id => {
                answered += 1;
                errors += 1;
            }
            _ => {}
        }
    }
    let elapsed = started.elapsed();
    if errors > 0 {
        bail!("{errors} of {total} pipelined commands were refused");
    }
    Ok(json!({
        "depth": depth,
        "commands": total,
        "elapsed_us": micros(elapsed),
        "per_second": (total as f64 / elapsed.as_secs_f64()).round(),
    }))
}

/// Time from handing an OutputCmd to the socket until the fake device reads its bytes, one
/// command at a time.
pub(crate) async fn device_latency(
    client: &mut Client,
    device: &mut FakeDevice,
    output: Device,
    count: usize,
) -> Result<Value> {
    let _ = device.take_writes();
    let mut times = Vec::with_capacity(count);
    for n in 0..count {
        let value = level(n);
        let id = client.fresh_id();
        let sent = client.send(client::vibrate(id, output.index, output.feature, value)).await?;
        let arrived = device
            .wait_for(&format!("Vibrate:{value}"), sent, PATIENCE)
            .await
            .with_context(|| format!("the device never received level {value}"))?;
        times.push(arrived.saturating_duration_since(sent));
        client.reply_to(id).await?;
    }
    Ok(summary_with_samples(times))
}

/// Sends the gap device a command every 2 ms and judges the device's writes against the gap.
pub(crate) async fn timing_gap(
    client: &mut Client,
    mut device: FakeDevice,
    index: u32,
    settings: &Settings,
) -> Result<Value> {
    let listed = client.devices.get(&index).context("the gap device is not listed")?;
    // Judged against the gap the user config sets; the gap the server lists for the device is
    // reported beside it (the two need not agree).
    let advertised_ms = listed.device_message_timing_gap;
    let display_name = listed.device_display_name.clone();
    let feature = client::vibrator_feature(listed).context("the gap device has no vibrator")?;
    let gap = Duration::from_millis(u64::from(settings.gap_ms));
    if gap.is_zero() {
        bail!("the gap measurement needs a gap");
    }
    tokio::time::sleep(gap * 2).await;
    let _ = device.take_writes();
    let mut sent = Vec::new();
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(2));
    for n in 0.. {
        tick.tick().await;
        if started.elapsed() >= settings.gap_flood {
            break;
        }
        let id = client.fresh_id();
        sent.push(client.send(client::vibrate(id, index, feature, level(n))).await?);
    }
    tokio::time::sleep(gap * 2).await;
    let writes: Vec<Instant> = device
        .take_writes()
        .into_iter()
        .filter(|write| write.at >= started && write.command.starts_with("Vibrate:"))
        .map(|write| write.at)
        .collect();
    request_ok(client, client::stop_all).await?;
    client.drain(Duration::from_millis(100)).await?;
    let mut result = GapAnalysis::of(gap, &sent, &writes).to_json();
    result["advertised_ms"] = json!(advertised_ms);
    result["device_index"] = json!(index);
    result["display_name"] = json!(display_name);
    result["commands"] = json!(sent.len());
    result["writes"] = json!(writes.len());
    Ok(result)
}

/// Floods the main device with OutputCmds as fast as the socket takes them, then sends StopCmd:
/// the time until the device reads `Vibrate:0`, and until the StopCmd's Ok arrives. Without a
/// device (the echo baseline) only the reply is timed: the floor set by draining the backlog.
pub(crate) async fn stop_in_flood(
    client: &mut Client,
    mut device: Option<&mut FakeDevice>,
    output: Device,
    settings: &Settings,
) -> Result<Value> {
    let (mut to_device, mut to_reply, mut flooded) = (Vec::new(), Vec::new(), 0);
    let (mut writes_after_stop, mut backlog) = (0, Vec::new());
    for _ in 0..settings.stop_rounds {
        let started = Instant::now();
        let mut n = 0;
        while started.elapsed() < settings.stop_flood {
            let id = client.fresh_id();
            client.send(client::vibrate(id, output.index, output.feature, level(n))).await?;
            n += 1;
        }
        flooded += n;
        let id = client.fresh_id();
        let sent = client.send(client::stop_all(id)).await?;
        if let Some(device) = device.as_deref_mut() {
            let stopped = device
                .wait_for("Vibrate:0", sent, PATIENCE)
                .await
                .context("the device never received the stop")?;
            to_device.push(stopped.saturating_duration_since(sent));
        }
        // Replies to flood commands that arrive after the stop was sent: the backlog the server
        // had to work through first.
        let mut behind = 0;
        let at = loop {
            let received = client.next_within(PATIENCE).await?.context("no reply to StopCmd")?;
            match received.message {
                Ok(ServerMessage::Ok(ok)) if ok.id == id.get() => break received.at,
                Ok(reply) if reply.id() == id.get() => bail!("StopCmd was answered with {reply:?}"),
                Ok(ServerMessage::Ok(_) | ServerMessage::Error(_)) if received.at >= sent => {
                    behind += 1;
                }
                _ => {}
            }
        };
        backlog.push(behind);
        to_reply.push(at.saturating_duration_since(sent));
        // A flood command that overtook the stop would leave the device running.
        tokio::time::sleep(SETTLE).await;
        if let Some(device) = device.as_deref_mut() {
            writes_after_stop += device
                .take_writes()
                .iter()
                .filter(|write| {
                    write.command.starts_with("Vibrate:") && write.command != "Vibrate:0"
                })
                .count();
        }
        client.drain(Duration::from_millis(50)).await?;
    }
    Ok(json!({
        "to_device": summary_json(to_device),
        "to_reply": summary_json(to_reply),
        "flood_commands": flooded,
        "backlog": backlog,
        "backlog_max": backlog.iter().max(),
        "writes_after_stop": writes_after_stop,
    }))
}

/// Starts a client process that sets the main device vibrating, kills it (SIGKILL), and times
/// until the device reads `Vibrate:0`.
pub(crate) async fn stop_after_kill(
    url: &str,
    device: &mut FakeDevice,
    output: Device,
    rounds: usize,
) -> Result<Value> {
    let exe = std::env::current_exe().context("finding this program to start the client")?;
    let mut times = Vec::with_capacity(rounds);
    let mut missed = 0;
    for round in 0..rounds {
        // Let the previous session end: servers take one client at a time.
        tokio::time::sleep(SETTLE).await;
        let value = level(round + 4);
        let spawned = Instant::now();
        let mut child = Command::new(&exe)
            .args(["hold-client", "--url", url, "--level", &value.to_string()])
            .args(["--device", &output.index.to_string(), "--feature", &output.feature.to_string()])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting the client process")?;
        let stdout = child.stdout.take().context("the client's output")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(PATIENCE * 2, lines.next_line()).await;
        if !matches!(&ready, Ok(Ok(Some(line))) if line == "ready") {
            let _ = child.kill().await;
            bail!("the client process did not get its command through: {ready:?}");
        }
        device
            .wait_for(&format!("Vibrate:{value}"), spawned, PATIENCE)
            .await
            .context("the device never received the killed client's command")?;
        let killed = Instant::now();
        child.start_kill().context("killing the client")?;
        match device.wait_for("Vibrate:0", killed, PATIENCE / 2).await {
            Some(stopped) => times.push(stopped.saturating_duration_since(killed)),
            None => missed += 1,
        }
        let _ = child.wait().await;
    }
    Ok(json!({
        "stop": summary_json(times),
        "rounds": rounds,
        "no_stop_within_us": micros(PATIENCE / 2),
        "missed": missed,
    }))
}

/// The hidden `hold-client` command: connects, sets the vibrator of `feature` of `device` to
/// `level`, prints `ready`, and waits to be killed.
pub async fn hold_client(url: &str, device: u32, feature: u32, level: i64) -> Result<()> {
    let mut client = connect_retrying(url).await?;
    client.wait_for_devices("the device", PATIENCE, |list| list.contains_key(&device)).await?;
    let id = client.fresh_id();
    client.request_ok(client::vibrate(id, device, feature, level)).await?;
    #[allow(clippy::print_stdout)]
    {
        println!("ready");
    }
    std::future::pending().await
}

/// Connects and shakes hands, retrying for a while: the server may still be ending the previous
/// client's session and refuse this one until it has.
async fn connect_retrying(url: &str) -> Result<Client> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match Client::connect_and_handshake(url, "bpio-bench held client").await {
            Ok(client) => return Ok(client),
            Err(err) if Instant::now() >= deadline => return Err(err),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
