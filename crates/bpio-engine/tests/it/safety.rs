//! Stop-on-loss: however a client goes away — killed without a word, silent past its ping
//! deadline, or saying Disconnect — every device it was driving receives its stop bytes.
//!
//! The server runs in process (`crate::serve`) so the test reads what the simulated Hush was
//! sent; the clients are real: the official Python client in its own process (killed with
//! SIGKILL), or a websocket from this test.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use bpio::hardware::Endpoint;
use bpio::hardware::sim::{LovenseFirmware, SimHandle};
use bpio::server::SessionConfig;
use bpio::transport_ws::{self, Config};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{Client, serve, within};

fn last_write(hush: &SimHandle<LovenseFirmware>) -> Option<String> {
    hush.writes()
        .into_iter()
        .filter(|(endpoint, _)| *endpoint == Endpoint::Tx)
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .next_back()
}

pub(crate) async fn stopped(hush: &SimHandle<LovenseFirmware>) {
    within("the stop write", async {
        while last_write(hush).as_deref() != Some("Vibrate:0;") {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// A v4 websocket client that scanned and set the Hush vibrating.
async fn vibrating_client(url: &str, hush: &SimHandle<LovenseFirmware>) -> Client {
    // Retried while a previous client's session is still ending (HTTP 503).
    let connection = within("a connection", async {
        loop {
            if let Ok(connection) = transport_ws::connect(url, &Config::default()).await {
                return connection;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let mut client = Client(connection);
    client.handshake().await;
    client.send(json!([{"StartScanning": {"Id": 2}}])).await;
    while client.next().await != json!({"ScanningFinished": {"Id": 0}}) {}
    client.send(json!([{"OutputCmd": {"Id": 3, "DeviceIndex": 0, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 10}}}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
    within("the vibrate write", async {
        while last_write(hush).as_deref() != Some("Vibrate:10;") {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_process_killed_with_sigkill_stops_every_device() {
    let (url, devices) = serve(SessionConfig::new("safety")).await;
    let python = tokio::task::spawn_blocking(crate::interop::python_client).await.unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/hold_client.py");
    let mut child = tokio::process::Command::new(python)
        .arg(script)
        .arg(&url)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let said = within("the client to start vibrating", lines.next_line()).await.unwrap();
    assert_eq!(said.as_deref(), Some("vibrating"));
    assert_eq!(last_write(&devices.hush).as_deref(), Some("Vibrate:10;"));
    // SIGKILL: no close frame, no Disconnect; the kernel closes the socket.
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    stopped(&devices.hush).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_pinging_stops_every_device() {
    let config =
        SessionConfig { max_ping_time: Duration::from_millis(300), ..SessionConfig::new("safety") };
    let (url, devices) = serve(config).await;
    let mut client = vibrating_client(&url, &devices.hush).await;
    // No Ping from here on: after MaxPingTime the session ends with an Error and a close.
    let error = client.next().await;
    assert_eq!(error["Error"]["ErrorCode"], json!(2), "{error}");
    stopped(&devices.hush).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_and_a_closed_socket_stop_every_device() {
    let (url, devices) = serve(SessionConfig::new("safety")).await;
    let mut client = vibrating_client(&url, &devices.hush).await;
    client.send(json!([{"Disconnect": {"Id": 9}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 9}}));
    stopped(&devices.hush).await;
    drop(client);

    // The next client closes its socket without a Disconnect.
    let client = vibrating_client(&url, &devices.hush).await;
    drop(client);
    stopped(&devices.hush).await;
}
