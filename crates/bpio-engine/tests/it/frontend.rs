//! The GUI channel (`--frontend-websocket-port`) of a real engine process: a GUI connects before
//! the engine starts, sees what happens as a client drives a Lovense device on the device
//! websocket server, gets the log, and stops the engine, which stops every device first.

use std::path::PathBuf;

use bpio::hardware::sim::LovenseFirmware;
use bpio::transport_ws::{self, CloseCode, Config, Connection, Inbound};
use serde_json::{Value, json};

use crate::hardware::{WsDevice, expect_bytes};
use crate::{DEVICE_SERVER, Engine, within};

/// The GUI's end of the channel.
struct Gui {
    connection: Connection,
    /// The log lines received so far, each the JSON object a line is.
    log: Vec<Value>,
}

impl Gui {
    async fn send(&mut self, message: &str) {
        assert!(self.connection.send(message.to_owned()));
    }

    /// The next message that is not a log line (those are kept in `log`); `None` once the
    /// engine closed the channel.
    async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(message) = self.frame().await? {
                return Some(message);
            }
        }
    }

    /// The next frame: `Some(None)` for a log line (kept in `log`), `None` once the channel is
    /// closed.
    async fn frame(&mut self) -> Option<Option<Value>> {
        let text = match within("a message to the GUI", self.connection.recv()).await {
            Inbound::Text(text) => text,
            Inbound::Closed => return None,
            other => panic!("expected a text frame, got {other:?}"),
        };
        let message: Value = serde_json::from_str(&text).unwrap();
        let Some(log) = message.get("EngineLog") else { return Some(Some(message)) };
        let line = log["message"].as_str().expect("a log line is a string");
        self.log.push(serde_json::from_str(line).expect("a log line is JSON"));
        Some(None)
    }

    /// How many log lines so far say something that starts with `text`.
    fn logged(&self, text: &str) -> usize {
        let says =
            |line: &&Value| line["fields"]["message"].as_str().is_some_and(|m| m.starts_with(text));
        self.log.iter().filter(says).count()
    }

    /// Reads on until `count` log lines said something that starts with `text`; log lines may
    /// arrive after the events they precede, as the engine sends events first. Other messages
    /// are not expected meanwhile.
    async fn expect_logged(&mut self, text: &str, count: usize) {
        while self.logged(text) < count {
            match self.frame().await {
                Some(None) => {}
                other => panic!("expected log lines, got {other:?} (log: {:?})", self.log),
            }
        }
    }
}

/// The user config that makes the websocket device `LVS-WsHush` a Lovense.
fn user_config(name: &str) -> PathBuf {
    let config = json!({
        "version": {"major": 5, "minor": 0},
        "user_configs": {"protocols": {
            "lovense": {"communication": [{"websocket": {"name": "LVS-WsHush"}}]}
        }}
    });
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("frontend-{name}.json"));
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

/// An engine with a GUI channel and `args`, and the GUI connected to it.
async fn engine_with_gui(args: &[&str]) -> (Engine, Gui) {
    let mut engine = Engine::launch(&[&["--frontend-websocket-port", "0"], args].concat());
    let url = engine.url_logged_after("waiting for the GUI on").await;
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");
    let connection = transport_ws::connect(&url, &Config::default()).await.unwrap();
    (engine, Gui { connection, log: Vec::new() })
}

/// An engine with a GUI, whose client server and device websocket server are up; the URL of the
/// device server.
async fn rig(name: &str) -> (Engine, Gui, String) {
    let config = user_config(name);
    let flags = ["--websocket-port", "0", "--user-device-config-file", config.to_str().unwrap()];
    let (mut engine, mut gui) = engine_with_gui(&[&DEVICE_SERVER[..], &flags].concat()).await;
    assert_eq!(gui.next().await, Some(json!({"EngineStarted": {}})));
    engine.url = engine.url_logged_after("listening for clients on").await;
    let devices_url = engine.url_logged_after("listening for devices on").await;
    assert_eq!(gui.next().await, Some(json!({"EngineServerCreated": {}})));
    (engine, gui, devices_url)
}

/// A client past its handshake, then a Lovense Hush named `name` on the device server at
/// `devices_url`, once the client sees it listed.
async fn client_and_hush(
    engine: &Engine,
    devices_url: &str,
    name: &str,
) -> (crate::Client, WsDevice) {
    let mut client = engine.client().await;
    client.handshake().await;
    let hello = json!({"identifier": "LVS-WsHush", "address": name, "version": 1});
    let hush = WsDevice::connect(devices_url, hello, LovenseFirmware::new("Z", 11, 1, false)).await;
    client.send(json!([{"StartScanning": {"Id": 2}}])).await;
    let (mut listed, mut finished) = (false, false);
    while !(listed && finished) {
        let event = client.next().await;
        listed |= event["DeviceList"]["Devices"].as_object().is_some_and(|d| !d.is_empty());
        finished |= event.get("ScanningFinished").is_some();
    }
    (client, hush)
}

fn vibrate(id: u32, value: u32) -> Value {
    json!([{"OutputCmd": {"Id": id, "DeviceIndex": 0, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": value}}}}])
}

#[tokio::test]
async fn a_gui_sees_the_client_its_device_the_outputs_it_sets_and_the_log() {
    let (engine, mut gui, devices_url) = rig("gui-watch").await;
    gui.send(r#"{"RequestEngineVersion":{"expected_version":1}}"#).await;
    assert_eq!(
        gui.next().await,
        Some(json!({"EngineVersion": {"version": env!("CARGO_PKG_VERSION")}}))
    );

    let (mut client, mut hush) = client_and_hush(&engine, &devices_url, "gui-watch").await;
    assert_eq!(gui.next().await, Some(json!({"ClientConnected": {"client_name": "it"}})));
    assert_eq!(
        gui.next().await,
        Some(json!({"DeviceConnected": {
            "name": "Lovense Hush",
            "index": 0,
            "identifier": {"protocol": "lovense", "identifier": "Z", "address": "gui-watch"},
            "needs_keepalive": false
        }}))
    );

    for (id, value, bytes) in [(3, 10, "DeviceType;Vibrate:10;"), (4, 15, "Vibrate:15;")] {
        client.send(vibrate(id, value)).await;
        assert_eq!(client.next().await, json!({"Ok": {"Id": id}}));
        assert_eq!(
            gui.next().await,
            Some(json!({"DeviceOutputObservation": {
                "device_index": 0, "feature_index": 0, "output_type": "Vibrate",
                "value": f64::from(value)
            }}))
        );
        // Each written before the next is sent, so the scheduler does not merge them.
        expect_bytes(&mut hush.received, bytes).await;
    }

    // The client leaves: its devices are stopped (a 0 for the output), then it is gone.
    client.send(json!([{"Disconnect": {"Id": 5}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 5}}));
    assert_eq!(
        gui.next().await,
        Some(json!({"DeviceOutputObservation": {
            "device_index": 0, "feature_index": 0, "output_type": "Vibrate", "value": 0.0
        }}))
    );
    assert_eq!(gui.next().await, Some(json!({"ClientDisconnected": {}})));
    expect_bytes(&mut hush.received, "Vibrate:0;").await;

    // The device goes away.
    hush.task.abort();
    assert_eq!(gui.next().await, Some(json!({"DeviceDisconnected": {"index": 0}})));

    // Log lines came as the reference's GUIs read them.
    gui.expect_logged("device disconnected", 1).await;
    assert_eq!(gui.logged("the GUI connected"), 1, "{:?}", gui.log);
    assert_eq!(gui.logged("listening for clients on"), 1, "{:?}", gui.log);
    let line = gui.log.iter().find(|l| l["fields"]["message"] == "device connected").unwrap();
    assert_eq!(line["level"], json!("INFO"));
    assert_eq!(line["fields"]["index"], json!(0));
    assert!(line["target"].as_str().unwrap().starts_with("bpio_server"), "{line}");
    assert!(line["timestamp"].as_str().unwrap().ends_with('Z'), "{line}");
}

#[tokio::test]
async fn stop_from_the_gui_stops_every_device_and_then_the_engine() {
    let (mut engine, mut gui, devices_url) = rig("gui-stop").await;
    let (mut client, mut hush) = client_and_hush(&engine, &devices_url, "gui-stop").await;
    client.send(vibrate(3, 12)).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
    expect_bytes(&mut hush.received, "DeviceType;Vibrate:12;").await;

    gui.send(r#"{"Stop":{}}"#).await;
    // The device is stopped while the client is still connected, and the engine exits.
    expect_bytes(&mut hush.received, "Vibrate:0;").await;
    let mut seen = Vec::new();
    while let Some(message) = gui.next().await {
        seen.push(message);
    }
    // The client's session ended before the engine stopped: its output went to 0, it left.
    let output = |value: f64| {
        json!({"DeviceOutputObservation": {
            "device_index": 0, "feature_index": 0, "output_type": "Vibrate", "value": value
        }})
    };
    assert_eq!(seen.len(), 6, "{seen:?}");
    assert_eq!(seen[0], json!({"ClientConnected": {"client_name": "it"}}));
    assert!(seen[1].get("DeviceConnected").is_some(), "{seen:?}");
    assert_eq!(
        seen[2..],
        [
            output(12.0),
            output(0.0),
            json!({"ClientDisconnected": {}}),
            json!({"EngineStopped": {}})
        ]
    );
    assert_eq!(gui.logged("the GUI asked the engine to stop"), 1, "{:?}", gui.log);
    while within("close", client.0.recv()).await != Inbound::Closed {}
    let status = within("the engine to exit", engine.child.wait()).await.unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn a_taken_client_port_is_an_engine_error_with_its_detail() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let (mut engine, mut gui) = engine_with_gui(&["--websocket-port", &port.to_string()]).await;
    assert_eq!(gui.next().await, Some(json!({"EngineStarted": {}})));
    assert_eq!(
        gui.next().await,
        Some(json!({"EngineError": {
            "error": format!("port {port} is already in use; choose another with --websocket-port"),
            "detail": {"code": "port_in_use", "address": "127.0.0.1", "port": port}
        }}))
    );
    assert_eq!(gui.next().await, Some(json!({"EngineStopped": {}})));
    assert_eq!(gui.next().await, None);
    let status = within("the engine to exit", engine.child.wait()).await.unwrap();
    assert!(!status.success());
}

#[tokio::test]
async fn bad_gui_messages_are_logged_and_a_gui_that_leaves_stops_the_engine() {
    let (mut engine, mut gui) = engine_with_gui(&["--websocket-port", "0"]).await;
    assert_eq!(gui.next().await, Some(json!({"EngineStarted": {}})));
    assert_eq!(gui.next().await, Some(json!({"EngineServerCreated": {}})));
    for bad in [r#"{"Start":{}}"#, "not json", r#"{"RequestEngineVersion":{}}"#] {
        gui.send(bad).await;
    }
    gui.send(r#"{"RequestEngineVersion":{"expected_version":2}}"#).await;
    assert_eq!(
        gui.next().await,
        Some(json!({"EngineVersion": {"version": env!("CARGO_PKG_VERSION")}}))
    );
    gui.expect_logged("ignoring a message from the GUI", 3).await;
    let refusal = gui.log.iter().find(|line| line["level"] == "WARN").unwrap();
    assert!(refusal["fields"]["message"].as_str().unwrap().contains(r#"{"Stop":{}}"#), "{refusal}");

    gui.connection.outbound().close(CloseCode::Normal, "bye");
    let status = within("the engine to exit", engine.child.wait()).await.unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn a_signal_before_the_gui_connects_ends_the_engine_cleanly() {
    let mut engine = Engine::launch(&["--frontend-websocket-port", "0"]);
    engine.url_logged_after("waiting for the GUI on").await;
    let pid = engine.child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = within("the engine to exit", engine.child.wait()).await.unwrap();
    assert!(status.success(), "{status:?}");
}
