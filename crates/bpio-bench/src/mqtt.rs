//! How far one engine goes on an MQTT broker (docs/SCALING.md): the round trip of an `OutputCmd`
//! through the broker next to the same round trip over a direct websocket, and remote sessions
//! side by side on fake devices, from one to hundreds, each sending one command after another.
//!
//! The remote clients speak the topics of docs/MQTT.md with rumqttc; the engine runs with
//! `--mqtt-url` on a plain broker on loopback, so what is measured is the broker's hop and the
//! bridge, not TLS.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bpio_protocol::v4::{self, ClientMessage};
use bpio_protocol::{ClientId, MessageSet, parse_frame, serialize_frame};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::client::{self, Client, PATIENCE};
use crate::device::FakeDevice;
use crate::memory::cpu_time;
use crate::stats::{Summary, summary_json};

/// What to measure.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The broker, `HOST:PORT`.
    pub broker: String,
    /// The engine's topics, `P/NAME`.
    pub base: String,
    /// The engine's client websocket, for the direct round trips.
    pub url: String,
    /// The engine's device websocket, for the fake devices.
    pub device_url: String,
    /// Fake devices the sessions share.
    pub devices: usize,
    /// Sequential round trips of each kind.
    pub round_trips: usize,
    /// Remote sessions side by side, one figure each.
    pub sessions: Vec<usize>,
    /// How long each step of sessions runs.
    pub step: Duration,
    /// The engine's and the broker's process ids, for the processor time each step takes.
    pub pids: Vec<(String, u32)>,
}

/// Ping at most this long apart: the engine's remote sessions must ping within 2 s.
const PING_EVERY: Duration = Duration::from_millis(500);

/// One remote client of the engine.
struct Remote {
    client: AsyncClient,
    replies: mpsc::UnboundedReceiver<Vec<u8>>,
    command_topic: String,
    next_id: ClientId,
    pinged: Instant,
}

impl Remote {
    async fn connect(settings: &Settings, id: &str) -> Result<Self> {
        let (host, port) = settings.broker.rsplit_once(':').context("--broker is HOST:PORT")?;
        let mut options = MqttOptions::new(id, host, port.parse().context("the broker's port")?);
        options.set_keep_alive(Duration::from_secs(10)).set_max_packet_size(1 << 20, 1 << 20);
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        eventloop.network_options.set_tcp_nodelay(true);
        let reply_topic = format!("{}/reply/{id}", settings.base);
        client.subscribe(&reply_topic, QoS::AtLeastOnce).await?;
        let (replies_tx, replies) = mpsc::unbounded_channel();
        let (subscribed_tx, mut subscribed) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        if replies_tx.send(publish.payload.to_vec()).is_err() {
                            return;
                        }
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        let _ = subscribed_tx.send(());
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        });
        tokio::time::timeout(PATIENCE, subscribed.recv())
            .await
            .context("the broker did not take the subscription")?;
        let command_topic = format!("{}/command/{id}", settings.base);
        let next_id = ClientId::try_from(1).map_err(anyhow::Error::msg)?;
        let mut remote = Self { client, replies, command_topic, next_id, pinged: Instant::now() };
        let hello = v4::RequestServerInfo {
            id: remote.fresh_id(),
            client_name: id.to_owned(),
            protocol_version_major: v4::PROTOCOL_VERSION_MAJOR,
            protocol_version_minor: v4::PROTOCOL_VERSION_MINOR,
        };
        match remote.request(hello.into()).await? {
            v4::ServerMessage::ServerInfo(_) => Ok(remote),
            other => bail!("the handshake through the broker was answered with {other:?}"),
        }
    }

    fn fresh_id(&mut self) -> ClientId {
        let id = self.next_id;
        self.next_id = ClientId::new(id.get().wrapping_add(1)).unwrap_or(id);
        id
    }

    /// Sends `message` and waits for its reply; events on the way are skipped.
    async fn request(&mut self, message: ClientMessage) -> Result<v4::ServerMessage> {
        let id = message.id();
        let frame = serialize_frame(&[message]);
        self.client.publish(&self.command_topic, QoS::AtLeastOnce, false, frame).await?;
        loop {
            let payload = tokio::time::timeout(PATIENCE, self.replies.recv())
                .await
                .context("no reply through the broker")?
                .context("the broker connection ended")?;
            for reply in parse_frame::<v4::ServerMessage>(&payload).into_iter().flatten() {
                if reply.id() == id {
                    return Ok(reply);
                }
            }
        }
    }

    /// One `OutputCmd` to `device` and its `Ok`, timed; pings first when one is due.
    async fn round_trip(&mut self, device: u32, feature: u32, value: i64) -> Result<Duration> {
        if self.pinged.elapsed() >= PING_EVERY {
            let ping = v4::Ping { id: self.fresh_id() };
            self.request(ping.into()).await?;
            self.pinged = Instant::now();
        }
        let message = client::vibrate(self.fresh_id(), device, feature, value);
        let sent = Instant::now();
        match self.request(message).await? {
            v4::ServerMessage::Ok(_) => Ok(sent.elapsed()),
            other => bail!("an OutputCmd through the broker was answered with {other:?}"),
        }
    }

    async fn close(self) {
        // The empty message a client leaves with: its session ends at once.
        let _ = self.client.publish(&self.command_topic, QoS::AtLeastOnce, false, Vec::new()).await;
        let _ = self.client.disconnect().await;
    }
}

/// Measures everything `settings` asks for; the figures as JSON.
pub async fn run(settings: &Settings) -> Result<Value> {
    let mut devices = Vec::new();
    for n in 0..settings.devices {
        devices.push(FakeDevice::connect(&settings.device_url, &format!("mqtt-bench-{n}")).await?);
    }
    let mut local = Client::connect_and_handshake(&settings.url, "mqtt bench").await?;
    let id = local.fresh_id();
    local.request_ok(v4::StartScanning { id }.into()).await?;
    let wanted = settings.devices;
    local.wait_for_devices("the fake devices", PATIENCE, |list| list.len() >= wanted).await?;
    let targets: Vec<(u32, u32)> = local
        .devices
        .values()
        .filter_map(|device| Some((device.device_index, client::vibrator_feature(device)?)))
        .collect();
    let (device, feature) = *targets.first().context("no device with a vibrator")?;

    let mut direct = Vec::with_capacity(settings.round_trips);
    for n in 0..settings.round_trips {
        let id = local.fresh_id();
        direct.push(local.request_ok(client::vibrate(id, device, feature, level(n))).await?);
    }
    let mut remote = Remote::connect(settings, "bench-0").await?;
    let mut broker = Vec::with_capacity(settings.round_trips);
    for n in 0..settings.round_trips {
        broker.push(remote.round_trip(device, feature, level(n)).await?);
    }
    remote.close().await;

    let mut scale = Vec::new();
    for &sessions in &settings.sessions {
        scale.push(sessions_side_by_side(settings, sessions, &targets).await?);
    }
    local.close().await;
    for device in devices {
        device.close().await;
    }
    Ok(json!({
        "direct": summary_json(direct),
        "broker": summary_json(broker),
        "scale": scale,
    }))
}

/// `sessions` remote sessions, each sending one command after another to its device for the
/// length of a step: how many commands the engine answered per second, and how long each took.
async fn sessions_side_by_side(
    settings: &Settings,
    sessions: usize,
    targets: &[(u32, u32)],
) -> Result<Value> {
    // All at once, so none waits past its MaxPingTime for the others to connect.
    let connecting: Vec<_> = (0..sessions)
        .map(|n| {
            let settings = settings.clone();
            tokio::spawn(async move {
                Remote::connect(&settings, &format!("bench-{sessions}-{n}")).await
            })
        })
        .collect();
    let mut remotes = Vec::with_capacity(sessions);
    for connected in connecting {
        remotes.push(connected.await??);
    }
    // The bench's own share too: all three run on the same machine.
    let pids: Vec<(String, u32)> =
        settings.pids.iter().cloned().chain([("bench".to_owned(), std::process::id())]).collect();
    let cpu_before: Vec<Option<Duration>> =
        pids.iter().map(|(_, pid)| cpu_time(*pid).ok()).collect();
    let start = Instant::now();
    let until = start + settings.step;
    let mut tasks = Vec::new();
    for (n, mut remote) in remotes.into_iter().enumerate() {
        let (device, feature) = targets[n % targets.len()];
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut count = 0usize;
            while Instant::now() < until {
                samples.push(remote.round_trip(device, feature, level(count)).await?);
                count += 1;
            }
            remote.close().await;
            anyhow::Ok(samples)
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    // Cores each process kept busy over the step.
    let mut cores = serde_json::Map::new();
    for ((name, pid), before) in pids.iter().zip(cpu_before) {
        if let (Some(before), Ok(after)) = (before, cpu_time(*pid)) {
            let busy = after.saturating_sub(before).as_secs_f64() / elapsed;
            cores.insert(name.clone(), json!((busy * 100.0).round() / 100.0));
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let per_second = samples.len() as f64 / elapsed;
    let summary = Summary::of(samples.clone()).map(|s| s.to_json());
    Ok(json!({
        "sessions": sessions,
        "commands_per_second": per_second.round(),
        "round_trip": summary,
        "cores": cores,
    }))
}

/// A level that changes with every command, so no command repeats the one before.
fn level(n: usize) -> i64 {
    i64::try_from(n % 20).unwrap_or(0) + 1
}
