//! The bench tool over real loopback sockets, briefly: the echo baseline measured by the client
//! code, and a fake device talking to a device websocket server written here. (The full run,
//! against real servers, is `cargo xtask bench`; it is not part of CI.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bpio_bench::device::{self, FakeDevice};
use bpio_bench::echo;
use bpio_bench::measure::{self, Settings, Target};
use bpio_bench::spin::SpinDevice;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::{self, Message};

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_echo_baseline_is_measured_by_the_client_code() {
    let listener = echo::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(echo::serve(listener));
    let target =
        Target { name: "echo".into(), url, device_url: None, pid: Some(std::process::id()) };
    let settings = Settings {
        handshakes: 2,
        round_trips: 100,
        pipeline_depth: 8,
        pipelined: 200,
        stop_rounds: 1,
        stop_flood: Duration::from_millis(50),
        ..Settings::default()
    };
    let results = tokio::time::timeout(PATIENCE, measure::run(&target, &settings))
        .await
        .expect("the measurement took too long")
        .unwrap();

    assert_eq!(results["server"], "echo");
    assert_eq!(results["handshake"]["count"], 2, "{results:#}");
    assert_eq!(results["round_trip"]["count"], 100, "{results:#}");
    let p50 = results["round_trip"]["p50_us"].as_u64().unwrap();
    let max = results["round_trip"]["max_us"].as_u64().unwrap();
    assert!(0 < p50 && p50 <= max, "{results:#}");
    assert_eq!(results["throughput"]["commands"], 200);
    assert!(results["throughput"]["per_second"].as_f64().unwrap() > 0.0, "{results:#}");
    assert!(results["rss_kib"]["idle"].as_u64().unwrap() > 0, "{results:#}");
    // The stop after a flood is timed to its reply only; the peak memory is read at the end.
    assert_eq!(results["stop_in_flood"]["to_reply"]["count"], 1, "{results:#}");
    assert_eq!(results["stop_in_flood"]["to_device"], Value::Null);
    assert!(results["rss_kib"]["peak"].as_u64().unwrap() > 0, "{results:#}");
    // No device port: nothing that needs a device is reported.
    assert_eq!(results.get("device_latency"), None);
}

#[tokio::test]
async fn a_fake_device_names_itself_answers_like_lovense_and_records_its_writes() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
        let hello = match socket.next().await {
            Some(Ok(Message::Text(text))) => serde_json::from_str::<Value>(&text).unwrap(),
            other => panic!("expected the hello, got {other:?}"),
        };
        let mut answers = Vec::new();
        // One answer frame per command, so three answers in all.
        for (frame, answered) in [("DeviceType;", 1), ("Battery;Vibrate:7;", 3)] {
            socket.send(Message::binary(frame.as_bytes().to_vec())).await.unwrap();
            while answers.len() < answered {
                match socket.next().await {
                    Some(Ok(Message::Binary(bytes))) => {
                        answers.push(String::from_utf8(bytes.to_vec()).unwrap());
                    }
                    other => panic!("expected an answer, got {other:?}"),
                }
            }
        }
        (hello, answers)
    });
    let started = Instant::now();
    let mut device = FakeDevice::connect(&url, "test-address").await.unwrap();

    let (hello, answers) = tokio::time::timeout(PATIENCE, server).await.unwrap().unwrap();
    assert_eq!(hello["identifier"], device::IDENTIFIER);
    assert_eq!(hello["address"], "test-address");
    assert_eq!(hello["version"], 1);
    assert_eq!(answers, ["Z:11:0082059AD3BD;", "85;", "OK;"]);
    let at = device.wait_for("Vibrate:7", started, PATIENCE).await.expect("the write was recorded");
    assert!(at >= started);
    // Consumed up to the vibration: nothing is left, and nothing more comes.
    assert!(device.take_writes().is_empty());
    assert_eq!(device.wait_for("Vibrate:7", started, Duration::from_millis(50)).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spinning_client_times_round_trips_against_the_echo_baseline() {
    let listener = echo::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(echo::serve(listener));
    let target = Target { name: "echo".into(), url, device_url: None, pid: None };
    let settings = Settings {
        handshakes: 1,
        round_trips: 200,
        pipelined: 10,
        stop_rounds: 1,
        stop_flood: Duration::from_millis(10),
        spin: true,
        ..Settings::default()
    };
    let results = tokio::time::timeout(PATIENCE, measure::run(&target, &settings))
        .await
        .expect("the measurement took too long")
        .unwrap();

    let spin = &results["round_trip_spin"];
    assert_eq!(spin["count"], 200, "{results:#}");
    let samples = spin["samples_ns"].as_array().unwrap();
    assert_eq!(samples.len(), 200);
    // The samples are the summary's: its p50 lies between the smallest and the largest.
    let nanos: Vec<u64> = samples.iter().map(|s| s.as_u64().unwrap()).collect();
    let p50_ns = spin["p50_us"].as_u64().unwrap() * 1000;
    assert!(nanos.iter().min().unwrap() / 1000 * 1000 <= p50_ns, "{spin:#}");
    assert!(p50_ns <= *nanos.iter().max().unwrap(), "{spin:#}");
    // The parked round trips keep their samples too, for the chart.
    assert_eq!(results["round_trip"]["samples_ns"].as_array().unwrap().len(), 200);
    // Without a device port there is no device to time.
    assert_eq!(results.get("device_latency_spin"), None);
}

#[test]
fn the_spinning_device_answers_records_and_spins_on_request() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut socket = tungstenite::accept(stream).unwrap();
        let hello = match socket.read().unwrap() {
            Message::Text(text) => serde_json::from_str::<Value>(&text).unwrap(),
            other => panic!("expected the hello, got {other:?}"),
        };
        let mut answers = Vec::new();
        for frame in ["DeviceType;", "Vibrate:3;"] {
            socket.send(Message::binary(frame.as_bytes().to_vec())).unwrap();
            match socket.read().unwrap() {
                Message::Binary(bytes) => answers.push(String::from_utf8(bytes.to_vec()).unwrap()),
                other => panic!("expected an answer, got {other:?}"),
            }
        }
        (hello, answers, socket)
    });
    let started = Instant::now();
    let device = SpinDevice::connect(&url, "spin-address").unwrap();
    device.spin(true);

    let (hello, answers, mut socket) = server.join().unwrap();
    assert_eq!(hello["identifier"], device::IDENTIFIER);
    assert_eq!(hello["address"], "spin-address");
    assert_eq!(answers, ["Z:11:0082059AD3BD;", "OK;"]);
    let at = device.wait_for("Vibrate:3", started, PATIENCE).expect("the write was recorded");
    assert!(at >= started);
    assert!(device.take_writes().is_empty());
    assert_eq!(device.wait_for("Vibrate:3", started, Duration::from_millis(20)), None);
    // Closing says goodbye with a close frame.
    device.spin(false);
    let closing = std::thread::spawn(move || device.close());
    assert!(matches!(socket.read(), Ok(Message::Close(_))));
    drop(socket);
    closing.join().unwrap();
}
