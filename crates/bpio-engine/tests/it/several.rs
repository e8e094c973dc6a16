//! Several clients at once (docs/PROTOCOL.md 14), over real sockets: clients of three spec
//! versions drive their own devices side by side, a client killed without a word stops exactly
//! what it ran, and a stop-all from any client stops everything while every client stays.
//!
//! The server runs in process (`crate::serve_clients`) so the test reads what each simulated
//! device was sent.

use std::time::Duration;

use bpio::hardware::Endpoint;
use bpio::hardware::sim::{LovenseFirmware, SimHandle};
use bpio::server::SessionConfig;
use serde_json::{Value, json};

use crate::{Client, Devices, Engine, connection, serve_clients, within};

/// The simulated devices by index, in the order the scan finds them.
const HUSH: u32 = 0;
const EDGE: u32 = 1;
const NORA: u32 = 2;

/// How long a stop may take to reach the device after the client that ran it was killed.
const STOP_WITHIN: Duration = Duration::from_millis(100);

/// Every write the device's Tx endpoint received, as text.
fn tx_writes(device: &SimHandle<LovenseFirmware>) -> Vec<String> {
    device
        .writes()
        .into_iter()
        .filter(|(endpoint, _)| *endpoint == Endpoint::Tx)
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .collect()
}

fn motors(device: &SimHandle<LovenseFirmware>) -> Vec<u32> {
    device.firmware(|f| f.motors().to_vec())
}

/// Waits until `device`'s motors are at `levels`.
pub(crate) async fn levels(device: &SimHandle<LovenseFirmware>, levels: &[u32]) {
    within(&format!("the motors at {levels:?}"), async {
        while motors(device) != levels {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
}

/// A raw client past the handshake of spec version `version` (1 to 4), its devices listed.
async fn client(url: &str, version: u32) -> Client {
    let mut client = Client(connection(url).await);
    let hello = if version == 4 {
        json!({"RequestServerInfo": {"Id": 1, "ClientName": "v4", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0}})
    } else {
        json!({"RequestServerInfo": {"Id": 1, "ClientName": format!("v{version}"), "MessageVersion": version}})
    };
    client.send(json!([hello])).await;
    let info = client.next().await;
    assert!(info.get("ServerInfo").is_some(), "{info}");
    client
}

/// Sends `message` (Id 2 onward, as the caller numbers it) and expects `Ok`.
async fn ok(client: &mut Client, message: Value) {
    let id = message.as_object().unwrap().values().next().unwrap()["Id"].clone();
    client.send(json!([message])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": id}}));
}

/// A v4 client that scanned, so that every device is connected.
async fn scanned(url: &str) -> Client {
    let mut client = client(url, 4).await;
    ok(&mut client, json!({"StartScanning": {"Id": 2}})).await;
    while client.next().await != json!({"ScanningFinished": {"Id": 0}}) {}
    client
}

/// The v3 client drives both Edge motors, the v1 client the Nora's vibrator.
async fn legacy_clients_drive_the_edge_and_the_nora(url: &str, devices: &Devices) -> [Client; 2] {
    let mut v3 = client(url, 3).await;
    let scalars = json!([
        {"Index": 0, "Scalar": 0.5, "ActuatorType": "Vibrate"},
        {"Index": 1, "Scalar": 0.25, "ActuatorType": "Vibrate"}
    ]);
    ok(&mut v3, json!({"ScalarCmd": {"Id": 2, "DeviceIndex": EDGE, "Scalars": scalars}})).await;
    let mut v1 = client(url, 1).await;
    let speeds = json!([{"Index": 0, "Speed": 0.5}]);
    ok(&mut v1, json!({"VibrateCmd": {"Id": 2, "DeviceIndex": NORA, "Speeds": speeds}})).await;
    levels(&devices.edge, &[10, 5]).await;
    levels(&devices.nora, &[10]).await;
    [v3, v1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_client_stops_what_it_ran_and_the_other_clients_devices_get_no_stop() {
    let (url, devices) = serve_clients(SessionConfig::new("several"), 3).await;
    // The official Python client, a v4 client, runs the Hush from a process of its own.
    let mut child = crate::safety::python_client_vibrating_the_hush(&url, &devices.hush).await;
    let _legacy = legacy_clients_drive_the_edge_and_the_nora(&url, &devices).await;
    let (edge_before, nora_before) = (tx_writes(&devices.edge), tx_writes(&devices.nora));

    // SIGKILL: no close frame, no Disconnect; the kernel closes the socket.
    let killed = tokio::time::Instant::now();
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    crate::safety::stopped(&devices.hush).await;
    let (stopped_at, _, _) = devices
        .hush
        .timed_writes()
        .into_iter()
        .rfind(|(_, endpoint, bytes)| *endpoint == Endpoint::Tx && bytes == b"Vibrate:0;")
        .unwrap();
    let took = stopped_at.saturating_duration_since(killed);
    assert!(took < STOP_WITHIN, "the Hush stopped {took:?} after the kill");

    // The other clients' devices keep their levels, and not one byte reached them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((motors(&devices.edge), motors(&devices.nora)), (vec![10, 5], vec![10]));
    assert_eq!(tx_writes(&devices.edge), edge_before);
    assert_eq!(tx_writes(&devices.nora), nora_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_all_from_any_client_stops_every_device_and_every_client_stays() {
    let (url, devices) = serve_clients(SessionConfig::new("several"), 3).await;
    let mut v4 = scanned(&url).await;
    let hush = json!({"OutputCmd": {"Id": 3, "DeviceIndex": HUSH, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 10}}}});
    ok(&mut v4, hush).await;
    levels(&devices.hush, &[10]).await;
    let [mut v3, mut v1] = legacy_clients_drive_the_edge_and_the_nora(&url, &devices).await;

    // The oldest client's panic button stops the devices the others run.
    ok(&mut v1, json!({"StopAllDevices": {"Id": 3}})).await;
    levels(&devices.hush, &[0]).await;
    levels(&devices.edge, &[0, 0]).await;
    levels(&devices.nora, &[0]).await;

    // Everybody is still served.
    ok(&mut v4, json!({"Ping": {"Id": 4}})).await;
    ok(&mut v3, json!({"Ping": {"Id": 3}})).await;
    ok(&mut v1, json!({"Ping": {"Id": 4}})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_beyond_the_limit_are_refused_and_the_served_ones_are_not_disturbed() {
    let (url, devices) = serve_clients(SessionConfig::new("several"), 2).await;
    let mut first = scanned(&url).await;
    let mut second = client(&url, 3).await;
    refused(&url).await;
    ok(&mut first, json!({"Ping": {"Id": 3}})).await;
    ok(&mut second, json!({"Ping": {"Id": 2}})).await;

    // A device change reaches both, each in its own version.
    devices.edge.drop_connection();
    assert_eq!(first.next().await["DeviceList"]["Devices"].get(EDGE.to_string()), None);
    assert_eq!(second.next().await, json!({"DeviceRemoved": {"Id": 0, "DeviceIndex": EDGE}}));

    // Once one leaves, a new client is served.
    drop(second);
    let mut third = client(&url, 2).await;
    ok(&mut third, json!({"Ping": {"Id": 2}})).await;
}

/// A websocket handshake with `url` that the server must refuse with HTTP 503.
async fn refused(url: &str) {
    let refused = within("the refusal", tokio_tungstenite::connect_async(url)).await;
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = refused else {
        panic!("one client too many was let in: {refused:?}")
    };
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn the_engine_serves_max_clients_at_once_and_one_by_default() {
    for (flags, served) in [(&[][..], 1), (&["--max-clients", "3"][..], 3)] {
        let engine = Engine::start(flags).await;
        let mut clients = Vec::new();
        for _ in 0..served {
            let mut client = engine.client().await;
            assert!(client.handshake().await.get("ServerInfo").is_some());
            clients.push(client);
        }
        refused(&engine.url).await;
    }
    let zero = tokio::process::Command::new(env!("CARGO_BIN_EXE_bpio-engine"))
        .args(["--max-clients", "0"])
        .output()
        .await
        .unwrap();
    assert!(!zero.status.success());
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--max-clients"));
}
