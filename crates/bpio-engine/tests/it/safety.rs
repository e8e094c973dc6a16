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
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{Client, connection, raw_socket, resident_kib, serve, within};

pub(crate) fn last_write(hush: &SimHandle<LovenseFirmware>) -> Option<String> {
    hush.writes()
        .into_iter()
        .filter(|(endpoint, _)| *endpoint == Endpoint::Tx)
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .next_back()
}

pub(crate) async fn stopped(hush: &SimHandle<LovenseFirmware>) {
    wrote(hush, "Vibrate:0;").await;
}

/// Waits until the Hush's last write is `command`: an `Ok` says the command was accepted, and
/// its bytes reach the device just after.
async fn wrote(hush: &SimHandle<LovenseFirmware>, command: &str) {
    within(&format!("the write {command}"), async {
        while last_write(hush).as_deref() != Some(command) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// A v4 websocket client that scanned and set the Hush vibrating.
async fn vibrating_client(url: &str, hush: &SimHandle<LovenseFirmware>) -> Client {
    let mut client = Client(connection(url).await);
    client.handshake().await;
    client.send(json!([{"StartScanning": {"Id": 2}}])).await;
    while client.next().await != json!({"ScanningFinished": {"Id": 0}}) {}
    client.send(json!([{"OutputCmd": {"Id": 3, "DeviceIndex": 0, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 10}}}}])).await;
    assert_eq!(client.next().await, json!({"Ok": {"Id": 3}}));
    wrote(hush, "Vibrate:10;").await;
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_process_killed_with_sigkill_stops_every_device() {
    let (url, devices) = serve(SessionConfig::new("safety")).await;
    python_client_killed_stops_the_hush(&url, &devices.hush).await;
}

/// The official Python client, in a process of its own, once it has set the Hush at `url`
/// vibrating (`tests/interop/hold_client.py`).
pub(crate) async fn python_client_vibrating_the_hush(
    url: &str,
    hush: &SimHandle<LovenseFirmware>,
) -> tokio::process::Child {
    let python = tokio::task::spawn_blocking(crate::interop::python_client).await.unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/hold_client.py");
    let mut child = tokio::process::Command::new(python)
        .arg(script)
        .arg(url)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let said = within("the client to start vibrating", lines.next_line()).await.unwrap();
    assert_eq!(said.as_deref(), Some("vibrating"));
    wrote(hush, "Vibrate:10;").await;
    child
}

/// Runs the official Python client against `url` until it has set the Hush vibrating, kills it,
/// and waits until the Hush is stopped.
pub(crate) async fn python_client_killed_stops_the_hush(
    url: &str,
    hush: &SimHandle<LovenseFirmware>,
) {
    let mut child = python_client_vibrating_the_hush(url, hush).await;
    // SIGKILL: no close frame, no Disconnect; the kernel closes the socket.
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    stopped(hush).await;
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

/// A client floods OutputCmds at two devices as fast as its socket takes them: every message is
/// answered, memory stays bounded (the server slows the client down rather than queueing), a
/// StopCmd sent in the middle reaches the device, and the other device keeps its gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_slowed_down_answered_in_full_and_a_stop_in_it_arrives() {
    crate::in_own_process(
        "safety::a_flood_is_slowed_down_answered_in_full_and_a_stop_in_it_arrives",
        flood(),
    )
    .await;
}

async fn flood() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    const FRAMES: usize = 3000;
    const PER_FRAME: usize = 100;
    let (url, devices) = serve(SessionConfig::new("flood")).await;
    let vibrating = vibrating_client(&url, &devices.hush).await;
    drop(vibrating);
    stopped(&devices.hush).await;
    let socket = raw_socket(&url).await;
    let (mut sink, mut stream) = socket.split();
    let hello = r#"[{"RequestServerInfo":{"Id":1,"ClientName":"flood","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#;
    sink.send(Message::text(hello)).await.unwrap();
    // The reader counts replies by kind while the writer floods.
    let reader = tokio::spawn(async move {
        let (mut oks, mut others) = (0_usize, Vec::new());
        while let Some(Ok(message)) = stream.next().await {
            let Message::Text(text) = message else { continue };
            if text.starts_with(r#"[{"Ok""#) {
                oks += 1;
                if oks == FRAMES * PER_FRAME {
                    break;
                }
            } else if !text.contains("ServerInfo") && !text.contains("DeviceList") {
                others.push(text.to_string());
            }
        }
        (oks, others)
    });
    let before = resident_kib();
    let hush_writes_before = devices.hush.writes().len();
    let mut id = 1_u32;
    let mut stop_sent_at_write = None;
    for frame in 0..FRAMES {
        let mut body = Vec::with_capacity(PER_FRAME);
        for n in 0..PER_FRAME {
            id += 1;
            // Hush: values 1..=20, never 0; Edge motor 0 now and then.
            let (device, value) =
                if n == 0 { (1, frame % 20 + 1) } else { (0, (id as usize) % 20 + 1) };
            body.push(format!(
                r#"{{"OutputCmd":{{"Id":{id},"DeviceIndex":{device},"FeatureIndex":0,"Command":{{"Vibrate":{{"Value":{value}}}}}}}}}"#
            ));
        }
        if frame == FRAMES / 2 {
            body[1] = r#"{"StopCmd":{"Id":1,"DeviceIndex":0}}"#.to_owned();
            stop_sent_at_write = Some(devices.hush.writes().len());
        }
        sink.send(Message::text(format!("[{}]", body.join(",")))).await.unwrap();
    }
    let (oks, others) = within("every reply", reader).await.unwrap();
    assert!(others.is_empty(), "unexpected replies: {:?}", &others[..others.len().min(3)]);
    assert_eq!(oks, FRAMES * PER_FRAME, "one Ok per message");
    let after = resident_kib();
    // Reported, so the figure can be re-measured: `--nocapture` shows it.
    #[allow(clippy::print_stderr)]
    {
        eprintln!("flood: resident memory {before} KiB -> {after} KiB");
    }
    assert!(
        after < before + 16 * 1024,
        "resident memory grew from {before} KiB to {after} KiB during the flood"
    );
    // The stop reached the Hush: a stop write follows the moment it was sent.
    let from = stop_sent_at_write.unwrap();
    let writes: Vec<String> = devices.hush.writes()[from..]
        .iter()
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    assert!(writes.iter().any(|w| w == "Vibrate:0;"), "no stop among {} writes", writes.len());
    assert!(devices.hush.writes().len() > hush_writes_before);
    // The Edge, driven in the same flood, kept its Bluetooth LE gap (75 ms; the bound leaves
    // room for scheduling noise, a flood without a gap would write microseconds apart).
    // Only the flood's writes: init and the earlier client's stop are not client output.
    let edge: Vec<_> = devices
        .edge
        .timed_writes()
        .into_iter()
        .filter(|(_, _, bytes)| bytes.starts_with(b"Vibrate1:"))
        .map(|(at, _, _)| at)
        .collect();
    assert!(edge.len() >= 2, "the Edge was driven");
    let closest = edge.windows(2).map(|pair| pair[1] - pair[0]).min().unwrap();
    assert!(closest >= Duration::from_millis(50), "Edge writes {closest:?} apart");
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// 1000 connect/handshake/disconnect cycles leave no open file descriptors, tasks or memory
/// behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sessions_leave_nothing_behind() {
    crate::in_own_process("safety::a_thousand_sessions_leave_nothing_behind", cycles()).await;
}

async fn cycles() {
    let (url, _devices) = serve(SessionConfig::new("cycles")).await;
    let cycle = |n: u32| {
        let url = url.clone();
        async move {
            let mut client = Client(connection(&url).await);
            client.handshake().await;
            client.send(json!([{"Disconnect": {"Id": n + 2}}])).await;
            assert_eq!(client.next().await, json!({"Ok": {"Id": n + 2}}));
        }
    };
    // Warm up: the allocator, the runtime's worker state and the hub settle first.
    for n in 0..50 {
        cycle(n).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let tasks = tokio::runtime::Handle::current().metrics().num_alive_tasks();
    let (fds, memory) = (open_fds(), resident_kib());
    for n in 0..1000 {
        cycle(n).await;
    }
    // The last session ends after its Ok; give its tasks a moment to finish.
    within("the tasks of the last session to end", async {
        while tokio::runtime::Handle::current().metrics().num_alive_tasks() > tasks {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    within("the sockets of the last session to close", async {
        while open_fds() > fds {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let grown = resident_kib().saturating_sub(memory);
    assert!(grown < 4 * 1024, "resident memory grew by {grown} KiB over 1000 sessions");
}
