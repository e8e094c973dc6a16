//! Golden transcripts of legacy (spec v0–v3) sessions, one file per version in
//! `test_data/legacy/`, run through the whole server path against the simulated devices the
//! engine's `--simulate` serves.
//!
//! A transcript's input is its `>` lines (one client message each, sent as its own frame), its
//! `!` lines (something happens to a simulated device) and its `#` comments. Everything else is
//! output and is written by this test: for each client message, the v4 commands it becomes
//! (`  v4:`), the bytes each device then received (`  dev`), and every message the client got
//! (`<`), events included. `UPDATE_EXPECT=1 cargo test -p bpio-server --test it legacy` rewrites
//! the outputs; review the diff.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bpio_device_config::DeviceConfig;
use bpio_hardware::Endpoint;
use bpio_hardware::sim::{self, LovenseFirmware, SimHandle, SimulatedFirmware, SimulatedManager};
use bpio_protocol::convert::{AnyClientMessage, client_to_v4};
use bpio_protocol::{SpecVersion, serialize_frame, split_frame, v4};
use bpio_server::SessionConfig;
use bpio_server::runtime::{DeviceHub, ManagerFactory, serve_client};
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::Pipe;
use bpio_server::runtime::LinkEvent;

const SIMULATION_CONFIG: &str = include_str!("../../../bpio-engine/src/simulation.json");

/// Long enough for any exchange with the simulated firmware (the clock is paused, so waiting
/// costs nothing).
const SETTLE: Duration = Duration::from_secs(2);

type Writes = Box<dyn Fn() -> Vec<(Endpoint, Vec<u8>)> + Send>;

/// The simulated devices, in discovery order.
struct Devices {
    writes: Vec<(&'static str, Writes)>,
    hush: SimHandle<LovenseFirmware>,
    nora: SimHandle<LovenseFirmware>,
    sensor: SimHandle<SimulatedFirmware>,
}

struct Golden {
    version: SpecVersion,
    to_server: mpsc::UnboundedSender<LinkEvent>,
    from_server: mpsc::UnboundedReceiver<Option<String>>,
    list: watch::Receiver<v4::Devices>,
    devices: Devices,
    seen: Vec<usize>,
    out: String,
}

fn start(version: SpecVersion) -> Golden {
    let mut config = DeviceConfig::embedded().unwrap();
    config.apply_user_json(SIMULATION_CONFIG).unwrap();
    let handles: Arc<Mutex<Option<Devices>>> = Arc::default();
    let out = Arc::clone(&handles);
    let factory: ManagerFactory = Box::new(move |events| {
        let manager =
            SimulatedManager::new(events).with_latency(Duration::from_millis(2)).recording();
        let hush = manager.add(sim::lovense_hush("sim-lovense-hush"));
        let edge = manager.add(sim::lovense_edge("sim-lovense-edge"));
        let nora = manager.add(sim::lovense_nora("sim-lovense-nora"));
        let stroker = manager.add(sim::tcode_stroker("simulated-tcode"));
        let sensor = manager.add(sim::sensor("sim-sensor"));
        let writes: Vec<(&'static str, Writes)> = vec![
            (
                "hush",
                Box::new({
                    let h = hush.clone();
                    move || h.writes()
                }),
            ),
            ("edge", Box::new(move || edge.writes())),
            (
                "nora",
                Box::new({
                    let h = nora.clone();
                    move || h.writes()
                }),
            ),
            ("stroker", Box::new(move || stroker.writes())),
            (
                "sensor",
                Box::new({
                    let h = sensor.clone();
                    move || h.writes()
                }),
            ),
        ];
        *out.lock().unwrap() = Some(Devices { writes, hush, nora, sensor });
        Arc::new(manager)
    });
    let hub = DeviceHub::spawn(config, vec![factory]);
    let list = hub.device_list();
    let devices = handles.lock().unwrap().take().unwrap();
    let (to_server, inbound) = mpsc::unbounded_channel();
    let (outbound, from_server) = mpsc::unbounded_channel();
    let (stop_tx, stop) = watch::channel(false);
    let session = SessionConfig::new("golden");
    tokio::spawn(async move {
        serve_client(Pipe { inbound, outbound, gate: None }, session, &hub, stop).await;
        drop(stop_tx);
    });
    let seen = vec![0; devices.writes.len()];
    Golden { version, to_server, from_server, list, devices, seen, out: String::new() }
}

impl Golden {
    /// Sends one client message and records what it becomes, what the devices got and what
    /// came back.
    async fn send(&mut self, json: &str) {
        self.out.push_str(&format!("> {json}\n"));
        self.record_v4(json);
        self.to_server.send(LinkEvent::Text(format!("[{json}]"))).unwrap();
        self.settle().await;
    }

    fn record_v4(&mut self, json: &str) {
        let frame = format!("[{json}]");
        let raw = split_frame(frame.as_bytes());
        let [Ok(raw)] = raw.as_slice() else {
            self.out.push_str("  v4: (not one message)\n");
            return;
        };
        let devices = v4::DeviceList { id: 0, devices: self.list.borrow().clone() };
        let line = match AnyClientMessage::parse(self.version, raw) {
            Err(err) => format!("(parse error, code {})", err.code().name()),
            Ok(message) => match client_to_v4(message, &devices) {
                Err(err) => format!("(refused, code {})", err.code().name()),
                Ok(commands) if commands.is_empty() => "(nothing)".to_owned(),
                Ok(commands) => {
                    commands.iter().map(|c| serialize_frame(&[c])).collect::<Vec<_>>().join(" ")
                }
            },
        };
        self.out.push_str(&format!("  v4: {line}\n"));
    }

    /// Lets everything run, then records the device writes and the messages received.
    async fn settle(&mut self) {
        tokio::time::sleep(SETTLE).await;
        for (slot, (name, writes)) in self.devices.writes.iter().enumerate() {
            let writes = writes();
            for (endpoint, bytes) in writes.iter().skip(self.seen[slot]) {
                self.out.push_str(&format!("  dev {name} {endpoint}: {}\n", show(bytes)));
            }
            self.seen[slot] = writes.len();
        }
        while let Ok(message) = self.from_server.try_recv() {
            match message {
                Some(text) => {
                    let frame: Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(frame.as_array().map(Vec::len), Some(1), "one per frame: {text}");
                    // The wire text itself: field order is part of the shape.
                    let message = text.strip_prefix('[').and_then(|t| t.strip_suffix(']'));
                    self.out.push_str(&format!("< {}\n", message.unwrap()));
                }
                None => self.out.push_str("< (connection closed)\n"),
            }
        }
    }

    async fn act(&mut self, line: &str) {
        self.out.push_str(&format!("{line}\n"));
        let words: Vec<&str> = line.trim_start_matches('!').split_whitespace().collect();
        match words.as_slice() {
            ["drop", "nora"] => self.devices.nora.drop_connection(),
            ["battery", "hush", percent] => {
                let percent: u8 = percent.parse().unwrap();
                self.devices.hush.update(|f| {
                    f.set_battery(percent);
                    Vec::new()
                });
            }
            ["battery", "sensor", percent] => {
                let percent: u8 = percent.parse().unwrap();
                self.devices.sensor.update(|f| {
                    f.set_battery(percent);
                    Vec::new()
                });
            }
            other => panic!("unknown directive {other:?}"),
        }
        self.settle().await;
    }
}

fn show(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.chars().all(|c| !c.is_control() || c == '\n') => format!("{text:?}"),
        _ => bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "),
    }
}

async fn run(version: SpecVersion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data/legacy")
        .join(format!("{version}.txt"));
    let script = std::fs::read_to_string(&path).unwrap();
    let mut golden = start(version);
    for line in script.lines() {
        if let Some(json) = line.strip_prefix("> ") {
            golden.send(json).await;
        } else if line.starts_with('!') {
            golden.act(line).await;
        } else if line.starts_with('#') || line.is_empty() {
            golden.out.push_str(&format!("{line}\n"));
        }
    }
    expect_test::expect_file![path].assert_eq(&golden.out);
}

#[tokio::test(start_paused = true)]
async fn v0_session() {
    run(SpecVersion::V0).await;
}

#[tokio::test(start_paused = true)]
async fn v1_session() {
    run(SpecVersion::V1).await;
}

#[tokio::test(start_paused = true)]
async fn v2_session() {
    run(SpecVersion::V2).await;
}

#[tokio::test(start_paused = true)]
async fn v3_session() {
    run(SpecVersion::V3).await;
}
