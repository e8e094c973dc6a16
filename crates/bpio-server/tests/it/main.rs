//! The server end to end in one process: session, device hub, protocols and simulated firmware.
//!
//! The client side is an in-memory connection (the websocket path is covered by the engine's
//! tests); the devices are the simulated firmware of `bpio-hardware`, and every test asserts on
//! the bytes they received. The tokio clock is paused, so timing rules run deterministically.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bpio_device_config::DeviceConfig;
use bpio_hardware::Endpoint;
use bpio_hardware::sim::{self, LovenseFirmware, SimHandle, SimulatedFirmware, SimulatedManager};
use bpio_server::SessionConfig;
use bpio_server::runtime::{
    ClientConnection, CloseReason, DeviceHub, LinkEvent, ManagerFactory, serve_client,
};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, watch};

mod legacy;
mod observe;
mod owners;
mod vectors;

const SENSOR_CONFIG: &str =
    include_str!("../../../bpio-device-protocols/test_data/simulated/sensor-user-config.json");

/// The server's end of an in-memory client connection.
struct Pipe {
    inbound: mpsc::UnboundedReceiver<LinkEvent>,
    outbound: mpsc::UnboundedSender<Option<String>>,
    /// When set, whether the connection says it is still sending is the gate's to decide.
    gate: Option<Arc<Gate>>,
}

/// Plays a client that reads slowly: while closed, the connection says its earlier frames are
/// still on their way (they are delivered all the same).
#[derive(Default)]
struct Gate {
    closed: AtomicBool,
    opened: Notify,
}

impl Gate {
    fn set_closed(&self, closed: bool) {
        self.closed.store(closed, Ordering::SeqCst);
        if !closed {
            self.opened.notify_waiters();
        }
    }
}

impl ClientConnection for Pipe {
    async fn recv(&mut self) -> LinkEvent {
        self.inbound.recv().await.unwrap_or(LinkEvent::Closed)
    }
    fn try_recv(&mut self) -> Option<LinkEvent> {
        match self.inbound.try_recv() {
            Ok(event) => Some(event),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => Some(LinkEvent::Closed),
        }
    }
    fn send(&mut self, text: String) -> bool {
        self.outbound.send(Some(text)).is_ok()
    }
    fn sending(&self) -> bool {
        self.gate.as_ref().is_some_and(|gate| gate.closed.load(Ordering::SeqCst))
    }
    fn sent(&self) -> impl Future<Output = ()> + Send + 'static {
        let gate = self.gate.clone();
        async move {
            let Some(gate) = gate else { return };
            loop {
                let opened = gate.opened.notified();
                tokio::pin!(opened);
                opened.as_mut().enable();
                if !gate.closed.load(Ordering::SeqCst) {
                    return;
                }
                opened.await;
            }
        }
    }
    fn close(&mut self, _reason: CloseReason) {
        let _ = self.outbound.send(None);
    }
}

struct Devices {
    hush: SimHandle<LovenseFirmware>,
    edge: SimHandle<LovenseFirmware>,
    sensor: SimHandle<SimulatedFirmware>,
}

/// A client talking to a running server.
struct Client {
    to_server: mpsc::UnboundedSender<LinkEvent>,
    from_server: mpsc::UnboundedReceiver<Option<String>>,
    next_id: u32,
}

impl Client {
    fn send(&mut self, message: Value) -> u32 {
        self.next_id += 1;
        let mut message = message;
        let body = message.as_object_mut().unwrap().values_mut().next().unwrap();
        body["Id"] = json!(self.next_id);
        self.to_server.send(LinkEvent::Text(json!([message]).to_string())).unwrap();
        self.next_id
    }

    /// The next message, or `None` once the server closed the connection.
    async fn next(&mut self) -> Option<Value> {
        let text = tokio::time::timeout(Duration::from_secs(60), self.from_server.recv())
            .await
            .expect("a message")??;
        let mut frame: Value = serde_json::from_str(&text).unwrap();
        Some(frame[0].take())
    }

    /// Sends `message` and returns its reply, skipping events.
    async fn request(&mut self, message: Value) -> Value {
        let id = self.send(message);
        loop {
            let reply = self.next().await.expect("a reply");
            let body = reply.as_object().unwrap().values().next().unwrap();
            if body["Id"] == json!(id) {
                return reply;
            }
        }
    }
}

async fn start(gap_override: Option<&str>) -> (Client, Devices, watch::Sender<bool>) {
    let (hub, devices) = simulated_hub(gap_override);
    let (client, stop) = connect(hub).await;
    (client, devices, stop)
}

/// A hub with the simulated Hush, Edge and sensor, none scanned for yet.
fn simulated_hub(gap_override: Option<&str>) -> (DeviceHub, Devices) {
    let mut config = DeviceConfig::embedded().unwrap();
    config.apply_user_json(gap_override.unwrap_or(SENSOR_CONFIG)).unwrap();
    let handles: Arc<Mutex<Option<Devices>>> = Arc::default();
    let out = Arc::clone(&handles);
    let factory: ManagerFactory = Box::new(move |events| {
        let manager =
            SimulatedManager::new(events).with_latency(Duration::from_millis(2)).recording();
        let hush = manager.add(sim::lovense_hush("hush-1"));
        let edge = manager.add(sim::lovense_edge("edge-1"));
        let sensor = manager.add(sim::sensor("sensor-1"));
        *out.lock().unwrap() = Some(Devices { hush, edge, sensor });
        Arc::new(manager)
    });
    let hub = DeviceHub::spawn(config, vec![factory]);
    let devices = handles.lock().unwrap().take().unwrap();
    (hub, devices)
}

/// A Spec v4 client of `hub` over an in-memory pipe, past its handshake, and the switch that
/// stops its session.
async fn connect(hub: DeviceHub) -> (Client, watch::Sender<bool>) {
    connect_gated(hub, None).await
}

/// [`connect`], with `gate` deciding whether the connection is still sending.
async fn connect_gated(hub: DeviceHub, gate: Option<Arc<Gate>>) -> (Client, watch::Sender<bool>) {
    let (to_server, inbound) = mpsc::unbounded_channel();
    let (outbound, from_server) = mpsc::unbounded_channel();
    let (stop_tx, stop) = watch::channel(false);
    let session = SessionConfig::new("test");
    tokio::spawn(async move {
        serve_client(Pipe { inbound, outbound, gate }, session, &hub, stop).await
    });
    let mut client = Client { to_server, from_server, next_id: 0 };
    let info = client
        .request(json!({"RequestServerInfo": {"ClientName": "it", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0}}))
        .await;
    assert_eq!(info["ServerInfo"]["ProtocolVersionMajor"], json!(4));
    (client, stop_tx)
}

/// Scans until `ScanningFinished`, which must come after the list holds every simulated device
/// the scan found; returns the device list.
async fn scan(client: &mut Client) -> Value {
    assert!(client.request(json!({"StartScanning": {}})).await["Ok"].is_object());
    let mut list = Value::Null;
    loop {
        let event = client.next().await.unwrap();
        if event.get("ScanningFinished").is_some() {
            let listed = list.as_object().map_or(0, serde_json::Map::len);
            assert_eq!(listed, 3, "ScanningFinished came before the list of what was found");
            return list;
        } else if let Some(devices) = event.get("DeviceList") {
            list = devices["Devices"].clone();
        }
    }
}

fn vibrate(device: u32, feature: u32, value: i64) -> Value {
    json!({"OutputCmd": {"DeviceIndex": device, "FeatureIndex": feature, "Command": {"Vibrate": {"Value": value}}}})
}

fn tx_writes(handle: &SimHandle<LovenseFirmware>) -> Vec<String> {
    handle
        .writes()
        .into_iter()
        .filter(|(e, _)| *e == Endpoint::Tx)
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect()
}

/// The hub publishes the list and sends `ScanningFinished` from its own thread; whichever the
/// session's thread sees first, the client gets the list first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanning_finished_follows_the_list_whatever_the_threads_do() {
    for _ in 0..50 {
        let (mut client, _devices, _stop) = start(None).await;
        scan(&mut client).await;
    }
}

#[tokio::test(start_paused = true)]
async fn simulated_devices_are_found_and_listed_in_discovery_order() {
    let (mut client, _devices, _stop) = start(None).await;
    let list = scan(&mut client).await;
    let names: Vec<&str> =
        ["0", "1", "2"].iter().map(|i| list[*i]["DeviceName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Lovense Hush", "Lovense Edge", "Simulated Sensor"]);
    assert_eq!(list["0"]["DeviceMessageTimingGap"], json!(75), "Bluetooth LE default gap");
    assert_eq!(list["0"]["DeviceFeatures"]["0"]["Output"]["Vibrate"]["Value"], json!([0, 20]));
    let reply = client.request(json!({"RequestDeviceList": {}})).await;
    assert_eq!(reply["DeviceList"]["Devices"], list);
}

#[tokio::test(start_paused = true)]
async fn output_commands_reach_the_firmware_as_its_bytes() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    let before = tx_writes(&devices.hush).len();
    assert!(client.request(vibrate(0, 0, 10)).await.get("Ok").is_some());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(tx_writes(&devices.hush)[before..], ["Vibrate:10;"]);
    assert_eq!(devices.hush.firmware(|f| f.motors().to_vec()), [10]);
    // Both Edge motors in quick succession: held together and sent in one batch.
    assert!(client.request(vibrate(1, 0, 5)).await.get("Ok").is_some());
    assert!(client.request(vibrate(1, 1, 7)).await.get("Ok").is_some());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(devices.edge.firmware(|f| f.motors().to_vec()), [5, 7]);
}

#[tokio::test(start_paused = true)]
async fn a_battery_read_returns_the_firmware_level() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    devices.hush.update(|firmware| {
        firmware.set_battery(64);
        Vec::new()
    });
    let reply = client
        .request(json!({"InputCmd": {"DeviceIndex": 0, "FeatureIndex": 1, "Type": "Battery", "Command": "Read"}}))
        .await;
    assert_eq!(reply["InputReading"]["Reading"], json!({"Battery": {"Value": 64}}), "{reply}");
}

#[tokio::test(start_paused = true)]
async fn subscriptions_stream_sensor_readings() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    let sub = json!({"InputCmd": {"DeviceIndex": 2, "FeatureIndex": 0, "Type": "Pressure", "Command": "Subscribe"}});
    assert!(client.request(sub).await.get("Ok").is_some());
    tokio::time::sleep(Duration::from_millis(20)).await;
    devices.sensor.update(|firmware| firmware.set_pressure(1830));
    let event = client.next().await.unwrap();
    assert_eq!(
        event,
        json!({"InputReading": {"Id": 0, "DeviceIndex": 2, "FeatureIndex": 0, "Reading": {"Pressure": {"Value": 1830}}}})
    );
}

#[tokio::test(start_paused = true)]
async fn a_burst_inside_one_gap_gives_at_most_two_writes_ending_on_the_last_value() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    let before = tx_writes(&devices.hush).len();
    let ids: Vec<u32> = (1..=20).map(|value| client.send(vibrate(0, 0, value))).collect();
    for id in ids {
        assert_eq!(
            client.next().await.unwrap(),
            json!({"Ok": {"Id": id}}),
            "one Ok per command, in order"
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let writes = tx_writes(&devices.hush)[before..].to_vec();
    assert!(writes.len() <= 2, "{writes:?}");
    assert_eq!(writes.last().map(String::as_str), Some("Vibrate:20;"));
}

#[tokio::test(start_paused = true)]
async fn stop_cmd_and_a_dropped_client_stop_every_device() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    client.request(vibrate(0, 0, 10)).await;
    client.request(vibrate(2, 2, 50)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(client.request(json!({"StopCmd": {}})).await.get("Ok").is_some());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(tx_writes(&devices.hush).last().map(String::as_str), Some("Vibrate:0;"));
    assert_eq!(devices.hush.firmware(|f| f.motors().to_vec()), [0]);

    client.request(vibrate(1, 0, 9)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(devices.edge.firmware(|f| f.motors().to_vec()), [9, 0]);
    // The client goes away without a word.
    drop(client);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(devices.edge.firmware(|f| f.motors().to_vec()), [0, 0]);
}

/// A stop-all behind a backlog of commands is acted on as soon as it is read: the commands
/// before it are answered, in order, and none of them reaches the device (docs/PROTOCOL.md 14.10).
#[tokio::test(start_paused = true)]
async fn a_stop_all_read_behind_a_backlog_stops_before_the_commands_ahead_of_it_run() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    client.request(vibrate(0, 0, 10)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = tx_writes(&devices.hush).len();
    // Sent before the session reads any of them, so it reads them all ahead.
    let mut ids: Vec<u32> = (1..=50).map(|n| client.send(vibrate(0, 0, n % 20 + 1))).collect();
    ids.push(client.send(json!({"StopCmd": {}})));
    ids.push(client.send(vibrate(0, 0, 7)));
    for id in ids {
        let reply = loop {
            let message = client.next().await.unwrap();
            if message.get("DeviceList").is_none() {
                break message;
            }
        };
        assert_eq!(reply, json!({"Ok": {"Id": id}}));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(tx_writes(&devices.hush)[before..], ["Vibrate:0;", "Vibrate:7;"]);
}

#[tokio::test(start_paused = true)]
async fn a_device_that_drops_leaves_the_list_and_its_index_errors() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    devices.edge.drop_connection();
    let event = client.next().await.unwrap();
    let listed: Vec<String> =
        event["DeviceList"]["Devices"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(listed, ["0", "2"]);
    let reply = client.request(vibrate(1, 0, 3)).await;
    assert_eq!(reply["Error"]["ErrorCode"], json!(4));
}

#[tokio::test(start_paused = true)]
async fn a_client_still_being_sent_to_gets_the_newest_list_once_not_every_change() {
    let (hub, devices) = simulated_hub(None);
    let gate = Arc::new(Gate::default());
    let (mut client, _stop) = connect_gated(hub, Some(Arc::clone(&gate))).await;
    scan(&mut client).await;
    gate.set_closed(true);
    devices.edge.drop_connection();
    devices.sensor.drop_connection();
    // Replies are not held back: the Ok comes, and no list has, while the client is behind.
    assert!(client.request(json!({"Ping": {}})).await.get("Ok").is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(client.from_server.try_recv().is_err(), "a list was sent while the client was behind");
    gate.set_closed(false);
    assert_eq!(next_listed(&mut client).await, ["Lovense Hush"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(client.from_server.try_recv().is_err(), "more than the newest list was sent");
}

#[tokio::test(start_paused = true)]
async fn a_slow_device_delays_neither_another_device_nor_the_replies() {
    let config = DeviceConfig::embedded().unwrap();
    let handles: Arc<Mutex<Vec<SimHandle<LovenseFirmware>>>> = Arc::default();
    let (slow_out, fast_out) = (Arc::clone(&handles), Arc::clone(&handles));
    // Every operation on the Hush takes 3 s; the Edge answers at once.
    let slow: ManagerFactory = Box::new(move |events| {
        let manager =
            SimulatedManager::new(events).with_latency(Duration::from_secs(3)).recording();
        slow_out.lock().unwrap().push(manager.add(sim::lovense_hush("slow-hush")));
        Arc::new(manager)
    });
    let fast: ManagerFactory = Box::new(move |events| {
        let manager = SimulatedManager::new(events).recording();
        fast_out.lock().unwrap().push(manager.add(sim::lovense_edge("fast-edge")));
        Arc::new(manager)
    });
    let hub = DeviceHub::spawn(config, vec![slow, fast]);
    let (hush, edge) = {
        let mut handles = handles.lock().unwrap();
        let edge = handles.pop().unwrap();
        (handles.pop().unwrap(), edge)
    };
    let (mut client, _stop) = connect(hub).await;
    client.request(json!({"StartScanning": {}})).await;
    let mut listed = Value::Null;
    while listed.as_object().is_none_or(|devices| devices.len() < 2) {
        if let Some(devices) = client.next().await.unwrap().pointer("/DeviceList/Devices") {
            listed = devices.clone();
        }
    }
    let index_of = |name: &str| {
        listed.as_object().unwrap().values().find(|d| d["DeviceName"] == name).unwrap()["DeviceIndex"].as_u64().unwrap()
    };
    let (slow_index, fast_index) = (index_of("Lovense Hush"), index_of("Lovense Edge"));

    let started = tokio::time::Instant::now();
    assert!(
        client
            .request(vibrate(u32::try_from(slow_index).unwrap(), 0, 10))
            .await
            .get("Ok")
            .is_some()
    );
    assert!(
        client.request(vibrate(u32::try_from(fast_index).unwrap(), 0, 4)).await.get("Ok").is_some()
    );
    assert!(client.request(json!({"Ping": {}})).await.get("Ok").is_some());
    assert!(started.elapsed() < Duration::from_millis(100), "replies waited for the slow device");
    while edge.firmware(|f| f.motors().to_vec()) != [4, 0] {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "the fast device waited: {:?}",
        started.elapsed()
    );
    // The slow device still gets its command, once its own latency has passed.
    while hush.firmware(|f| f.motors().to_vec()) != [10] {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started.elapsed() >= Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_busy_device_gets_the_newest_value_not_every_command_it_missed() {
    // Every write to the Hush takes 1 s, far longer than its 75 ms gap: commands that arrive
    // meanwhile must not queue up a write each.
    let config = DeviceConfig::embedded().unwrap();
    let handle: Arc<Mutex<Option<SimHandle<LovenseFirmware>>>> = Arc::default();
    let out = Arc::clone(&handle);
    let factory: ManagerFactory = Box::new(move |events| {
        let manager =
            SimulatedManager::new(events).with_latency(Duration::from_secs(1)).recording();
        *out.lock().unwrap() = Some(manager.add(sim::lovense_hush("busy-hush")));
        Arc::new(manager)
    });
    let hub = DeviceHub::spawn(config, vec![factory]);
    let hush = handle.lock().unwrap().take().unwrap();
    let (mut client, _stop) = connect(hub).await;
    client.request(json!({"StartScanning": {}})).await;
    while client.next().await.unwrap().pointer("/DeviceList/Devices/0").is_none() {}
    let before = tx_writes(&hush).len();

    // One command every 90 ms, so none arrives at the very moment a write ends.
    for value in 1..=20 {
        let reply = client.request(vibrate(0, 0, value)).await;
        assert!(reply.get("Ok").is_some(), "{reply}");
        tokio::time::sleep(Duration::from_millis(90)).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    // The first command, then at the end of each write the newest value: 2 (its gap had long
    // passed; 3 to 12 wait behind it), 13 (the first of those that came in during 2's write),
    // and 20 once 13's gap is over.
    let writes = tx_writes(&hush)[before..].to_vec();
    assert_eq!(writes, ["Vibrate:1;", "Vibrate:2;", "Vibrate:13;", "Vibrate:20;"]);
    assert_eq!(hush.firmware(|f| f.motors().to_vec()), [20]);
}

/// Waits for the next device list event and returns the names listed.
async fn next_listed(client: &mut Client) -> Vec<String> {
    loop {
        let event = client.next().await.unwrap();
        if let Some(devices) = event.pointer("/DeviceList/Devices").and_then(Value::as_object) {
            return devices
                .values()
                .map(|d| d["DeviceName"].as_str().unwrap().to_owned())
                .collect();
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_device_that_stops_answering_is_dropped_and_comes_back_under_its_index() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    devices.hush.hang(true);
    // Accepted (the reply does not wait for the device), but the write never completes.
    assert!(client.request(vibrate(0, 0, 10)).await.get("Ok").is_some());
    assert_eq!(next_listed(&mut client).await, ["Lovense Edge", "Simulated Sensor"]);
    let reply = client.request(vibrate(0, 0, 5)).await;
    assert_eq!(reply["Error"]["ErrorCode"], json!(4), "{reply}");
    // The other devices are served on.
    assert!(client.request(vibrate(1, 0, 4)).await.get("Ok").is_some());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(devices.edge.firmware(|f| f.motors().to_vec()), [4, 0]);
    // The firmware recovers; a scan finds it again, under the same index.
    devices.hush.hang(false);
    let list = scan(&mut client).await;
    assert_eq!(list["0"]["DeviceName"], json!("Lovense Hush"));
    assert!(client.request(vibrate(0, 0, 7)).await.get("Ok").is_some());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(devices.hush.firmware(|f| f.motors().to_vec()), [7]);
}

#[tokio::test(start_paused = true)]
async fn garbage_notifications_are_ignored_and_the_device_works_on() {
    let (mut client, devices, _stop) = start(None).await;
    scan(&mut client).await;
    let sub = json!({"InputCmd": {"DeviceIndex": 2, "FeatureIndex": 0, "Type": "Pressure", "Command": "Subscribe"}});
    assert!(client.request(sub).await.get("Ok").is_some());
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Bytes no reading can be made of, on the subscribed endpoint and on others.
    devices.sensor.update(|_| {
        vec![
            (Endpoint::RxPressure, vec![0xff]),
            (Endpoint::RxPressure, Vec::new()),
            (Endpoint::RxTouch, vec![9, 9, 9, 9, 9]),
            (Endpoint::Rx, b"garbage".to_vec()),
        ]
    });
    devices.sensor.update(|firmware| firmware.set_pressure(77));
    let event = client.next().await.unwrap();
    assert_eq!(event["InputReading"]["Reading"], json!({"Pressure": {"Value": 77}}), "{event}");
    assert!(client.request(vibrate(2, 2, 30)).await.get("Ok").is_some());
}
