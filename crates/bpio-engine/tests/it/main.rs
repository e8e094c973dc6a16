//! The engine as a real process, driven over a real websocket on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dist;
mod exposure;
mod frontend;
mod gamepad;
mod gap;
mod hardware;
mod hostile;
mod interop;
mod legacy;
mod lovense_connect;
#[cfg(target_os = "linux")]
mod mdns;
mod mqtt;
mod repeater;
mod rest;
mod safety;
mod several;
mod simulated;
mod soak;
mod web;

use std::process::Stdio;
use std::time::Duration;

use bpio::hardware::sim::{self, LovenseFirmware, SimHandle};
use bpio::server::SessionConfig;
use bpio::server::runtime::DeviceHub;
use bpio::transport_ws::{self, Config, Connection, Inbound};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

pub(crate) async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Runs `body` in a process of its own (this test binary, filtered to `test`), so that what it
/// measures of the process, its resident memory, is not disturbed by the tests running beside
/// it. In that process the variable below is set and `body` runs directly.
pub(crate) async fn in_own_process(test: &str, body: impl Future<Output = ()>) {
    const ISOLATED: &str = "BPIO_TEST_IN_OWN_PROCESS";
    if std::env::var_os(ISOLATED).is_some() {
        body.await;
        return;
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--test-threads", "1", "--nocapture"])
        .env(ISOLATED, "1")
        .status()
        .await
        .unwrap();
    assert!(status.success(), "{test} failed in its own process: {status:?}");
}

/// A websocket to `url`, retried while the previous client's session is still ending (the
/// server answers HTTP 503 until then).
pub(crate) async fn raw_socket(
    url: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    within("a connection", async {
        loop {
            match tokio_tungstenite::connect_async(url).await {
                Ok((socket, _)) => return socket,
                Err(_) => tokio::time::sleep(Duration::from_millis(2)).await,
            }
        }
    })
    .await
}

/// A transport connection to `url`, retried as [`raw_socket`] is.
pub(crate) async fn connection(url: &str) -> Connection {
    within("a connection", async {
        loop {
            if let Ok(connection) = transport_ws::connect(url, &Config::default()).await {
                return connection;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
}

/// This process's resident memory, in KiB.
pub(crate) fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The flags of a device websocket server on a free port.
pub(crate) const DEVICE_SERVER: [&str; 3] =
    ["--use-device-websocket-server", "--device-websocket-server-port", "0"];

/// A running engine on a free loopback port; killed when dropped.
struct Engine {
    child: Child,
    url: String,
    /// Log lines not read yet.
    log: tokio::sync::mpsc::UnboundedReceiver<String>,
    /// Log lines read so far.
    seen: Vec<String>,
}

impl Engine {
    /// Listening for clients on a free loopback port: the URL is what the engine logs.
    async fn start(args: &[&str]) -> Self {
        let mut engine = Self::launch(&[&["--websocket-port", "0"], args].concat());
        engine.url = engine.url_logged_after("listening for clients on").await;
        engine
    }

    /// With the device websocket server on a free port and the user config `config` (written to
    /// `file` in the test's temporary folder); also gives the URL devices connect to.
    async fn with_device_server(config: &Value, file: &str) -> (Self, String) {
        let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(file);
        std::fs::write(&path, config.to_string()).unwrap();
        let config = ["--user-device-config-file", path.to_str().unwrap()];
        let mut engine = Self::start(&[&DEVICE_SERVER[..], &config].concat()).await;
        let url = engine.url_logged_after("listening for devices on").await;
        (engine, url)
    }

    /// Started with exactly `args`; `url` stays empty.
    fn launch(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bpio-engine"))
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (log_tx, log) = tokio::sync::mpsc::unbounded_channel();
        // Keep draining the log so the engine never blocks on a full pipe.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = log_tx.send(line);
            }
        });
        Self { child, url: String::new(), log, seen: Vec::new() }
    }

    /// The `ws://`, `wss://`, `https://` or `http://` URL of the first log line (not yet read) that contains
    /// `text`.
    async fn url_logged_after(&mut self, text: &str) -> String {
        within(text, async {
            loop {
                let line = self.log.recv().await.expect("engine exited before logging it");
                let url = line
                    .find("wss://")
                    .or_else(|| line.find("ws://"))
                    .or_else(|| line.find("https://"))
                    .or_else(|| line.find("http://"))
                    .filter(|_| line.contains(text))
                    .map(|at| line[at..].split_whitespace().next().unwrap().to_owned());
                self.seen.push(line);
                if let Some(url) = url {
                    return url;
                }
            }
        })
        .await
    }

    async fn client(&self) -> Client {
        Client(transport_ws::connect(&self.url, &Config::default()).await.unwrap())
    }
}

/// The simulated devices of `--simulate` served in process, with handles to those tests drop or
/// inspect.
pub(crate) struct Devices {
    pub(crate) hush: SimHandle<LovenseFirmware>,
    pub(crate) edge: SimHandle<LovenseFirmware>,
    pub(crate) nora: SimHandle<LovenseFirmware>,
}

/// Serves `session` in process on a free loopback port, with the devices and user config of
/// `--simulate`; returns the websocket URL.
pub(crate) async fn serve(session: SessionConfig) -> (String, Devices) {
    serve_clients(session, 1).await
}

/// [`serve`], serving up to `max_clients` clients at once.
pub(crate) async fn serve_clients(session: SessionConfig, max_clients: usize) -> (String, Devices) {
    let transport = Config { max_clients, ..Config::default() };
    let (url, devices, _hub) = serve_on(session, transport).await;
    (url, devices)
}

/// [`serve`], also giving the device hub.
pub(crate) async fn serve_with_hub(session: SessionConfig) -> (String, Devices, DeviceHub) {
    serve_on(session, Config::default()).await
}

async fn serve_on(session: SessionConfig, transport: Config) -> (String, Devices, DeviceHub) {
    simulated::serve_simulated_hub(simulated::SIMULATION_CONFIG, session, transport, |manager| {
        let hush = manager.add(sim::lovense_hush("sim-lovense-hush"));
        let edge = manager.add(sim::lovense_edge("sim-lovense-edge"));
        let nora = manager.add(sim::lovense_nora("sim-lovense-nora"));
        manager.add(sim::tcode_stroker("simulated-tcode"));
        manager.add(sim::sensor("sim-sensor"));
        Devices { hush, edge, nora }
    })
    .await
}

struct Client(Connection);

impl Client {
    async fn send(&mut self, messages: Value) {
        assert!(self.0.send(messages.to_string()));
    }

    /// The next message from the server, as JSON.
    async fn next(&mut self) -> Value {
        match within("a message", self.0.recv()).await {
            Inbound::Text(text) => {
                let mut frame: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(
                    frame.as_array().map(Vec::len),
                    Some(1),
                    "one message per frame: {text}"
                );
                frame[0].take()
            }
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    async fn handshake(&mut self) -> Value {
        self.send(json!([{"RequestServerInfo": {"Id": 1, "ClientName": "it", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0}}]))
            .await;
        self.next().await
    }
}

#[tokio::test]
async fn a_client_goes_through_the_spec_lifecycle() {
    let engine =
        Engine::start(&["--server-name", "Workshop Server", "--max-ping-time", "2000"]).await;
    let mut client = engine.client().await;
    assert_eq!(
        client.handshake().await,
        json!({"ServerInfo": {"Id": 1, "ServerName": "Workshop Server", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0, "MaxPingTime": 2000}})
    );
    client.send(json!([{"RequestDeviceList": {"Id": 2}}])).await;
    assert_eq!(client.next().await, json!({"DeviceList": {"Id": 2, "Devices": {}}}));
    client.send(json!([{"StartScanning": {"Id": 3}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
    assert_eq!(client.next().await, json!({"ScanningFinished": {"Id": 0}}));
    client.send(json!([{"Ping": {"Id": 4}}, {"OutputCmd": {"Id": 5, "DeviceIndex": 0, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 7}}}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 4}}));
    assert_eq!(client.next().await["Error"]["ErrorCode"], json!(4));
    client.send(json!([{"StopScanning": {"Id": 7}}, {"StopCmd": {"Id": 8}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 7}}));
    assert_eq!(client.next().await, json!({"Ok": {"Id": 8}}));
    client.send(json!([{"Disconnect": {"Id": 9}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 9}}));
    assert_eq!(within("close", client.0.recv()).await, Inbound::Closed);
}

#[tokio::test]
async fn bad_input_gets_errors_and_the_session_goes_on() {
    let engine = Engine::start(&[]).await;
    let mut client = engine.client().await;
    assert!(client.0.send("[{\"Ping\":{\"Id\":1}}]".into()));
    let early = client.next().await;
    assert_eq!(
        (early["Error"]["Id"].clone(), early["Error"]["ErrorCode"].clone()),
        (json!(1), json!(1))
    );
    client.handshake().await;
    assert!(client.0.send("not json".into()));
    assert_eq!(client.next().await["Error"]["ErrorCode"], json!(3));
    assert!(client.0.send(r#"[{"Ping":{"Id":1}}][{"Pong":{"Id":2}}][{"Ping":{"Id":3}}]"#.into()));
    assert_eq!(client.next().await, json!({"Ok": {"Id": 1}}));
    assert_eq!(client.next().await["Error"]["Id"], json!(2));
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
}

#[tokio::test]
async fn a_silent_client_is_pinged_out_and_disconnected() {
    let engine = Engine::start(&["--max-ping-time", "300"]).await;
    let mut client = engine.client().await;
    client.handshake().await;
    let event = client.next().await;
    assert_eq!(
        (event["Error"]["Id"].clone(), event["Error"]["ErrorCode"].clone()),
        (json!(0), json!(2))
    );
    assert_eq!(within("close", client.0.recv()).await, Inbound::Closed);
}

#[tokio::test]
async fn a_second_client_is_refused_while_one_is_connected() {
    let engine = Engine::start(&[]).await;
    let mut first = engine.client().await;
    first.handshake().await;
    let refused = transport_ws::connect(&engine.url, &Config::default()).await;
    assert!(refused.is_err());
    first.send(json!([{"Ping": {"Id": 2}}])).await;
    assert_eq!(first.next().await, json!({"Ok": {"Id": 2}}));
}

#[tokio::test]
async fn with_a_client_address_the_engine_connects_out_and_again_after_each_session() {
    // The client app listens; the engine is started first, so its first attempts fail.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("127.0.0.1:{port}");
    let _engine =
        Engine::launch(&["--websocket-client-address", &address, "--server-name", "Outbound"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut app = transport_ws::listen(address.parse().unwrap(), Config::default()).await.unwrap();
    for round in 1..=2 {
        let accepted = within("the engine to connect", app.accept()).await.unwrap();
        let mut client = Client(accepted);
        let info = client.handshake().await;
        assert_eq!(info["ServerInfo"]["ServerName"], json!("Outbound"), "round {round}: {info}");
        client.send(json!([{"Ping": {"Id": 2}}])).await;
        assert_eq!(client.next().await, json!({"Ok": {"Id": 2}}));
        // The app goes away; the engine comes back for the next session.
        client.0.outbound().close(transport_ws::CloseCode::Normal, "bye");
    }
}

#[tokio::test]
async fn a_taken_port_is_one_clear_line() {
    let engine = Engine::start(&[]).await;
    let port = engine.url.rsplit(':').next().unwrap().to_owned();
    refused_for_taken_port(&["--websocket-port", &port], &port, "--websocket-port").await;
}

/// Starts an engine with `args`, which must stop it at once with one line naming the taken
/// `port` and the `flag` that changes it.
pub(crate) async fn refused_for_taken_port(args: &[&str], port: &str, flag: &str) {
    let output = within(
        "the engine to give up",
        Command::new(env!("CARGO_BIN_EXE_bpio-engine")).args(args).env("NO_COLOR", "1").output(),
    )
    .await
    .unwrap();
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains(&format!("port {port} is already in use")) && log.contains(flag), "{log}");
}

#[tokio::test]
async fn sigterm_ends_the_engine_cleanly_and_closes_the_session() {
    let mut engine = Engine::start(&[]).await;
    let mut client = engine.client().await;
    client.handshake().await;
    let pid = engine.child.id().unwrap();
    let status =
        std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(status.success());
    assert_eq!(within("close", client.0.recv()).await, Inbound::Closed);
    let exit = within("exit", engine.child.wait()).await.unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn version_flags_print_and_exit() {
    let output = Command::new(env!("CARGO_BIN_EXE_bpio-engine"))
        .arg("--server-version")
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn with_simulate_the_engine_serves_simulated_devices() {
    let engine = Engine::start(&["--simulate"]).await;
    let mut client = engine.client().await;
    client.handshake().await;
    client.send(json!([{"StartScanning": {"Id": 2}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 2}}));
    let mut devices = Value::Null;
    let mut finished = false;
    while !(finished && devices.as_object().is_some_and(|d| d.len() == 5)) {
        let event = client.next().await;
        if event.get("ScanningFinished").is_some() {
            finished = true;
        } else {
            devices = event["DeviceList"]["Devices"].clone();
        }
    }
    let names: Vec<&str> =
        devices.as_object().unwrap().values().map(|d| d["DeviceName"].as_str().unwrap()).collect();
    for expected in ["Lovense Hush", "Lovense Edge", "Lovense Nora", "Simulated Sensor"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("TCode")), "{names:?}");
    client.send(json!([{"OutputCmd": {"Id": 3, "DeviceIndex": 0, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 10}}}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
    client.send(json!([{"InputCmd": {"Id": 4, "DeviceIndex": 0, "FeatureIndex": 1, "Type": "Battery", "Command": "Read"}}])).await;
    let reading = client.next().await;
    assert_eq!(reading["InputReading"]["Id"], json!(4), "{reading}");
    assert!(reading["InputReading"]["Reading"]["Battery"]["Value"].is_u64(), "{reading}");
}
