//! Measures how late, beyond the timing gap, a held command reaches the device (issue 6).
//!
//! ```text
//! cargo run --release -p bpio-engine --example gap_jitter -- [ROUNDS]
//! ```
//! Runs the engine's accept loop in process over a real loopback websocket, with the simulated
//! sensor given a 100 ms gap by a user config. Each round sends one command (dispatched at once)
//! and, 10 ms later, a second one (held): the lateness is the time between the two device writes
//! minus the gap. Prints the median and maximum over the rounds.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use bpio::transport_ws::{self, Config, Inbound};
use serde_json::{Value, json};

// The in-process server of the engine's tests, with a sensor whose gap a user config sets.
#[path = "../tests/it/simulated.rs"]
mod simulated;

const GAP: Duration = Duration::from_millis(100);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: u32 =
        std::env::args().nth(1).map_or(30, |n| n.parse().expect("ROUNDS is a number"));
    let (url, sensor) = simulated::serve_gap_sensor(100).await;

    let (mut inbound, client) =
        transport_ws::connect(&url, &Config::default()).await.unwrap().split();
    let mut next = async || match inbound.recv().await {
        Inbound::Text(text) => serde_json::from_str::<Value>(&text).unwrap()[0].take(),
        other => panic!("{other:?}"),
    };
    client.send(json!([{"RequestServerInfo": {"Id": 1, "ClientName": "jitter", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0}}]).to_string());
    next().await;
    client.send(json!([{"StartScanning": {"Id": 2}}]).to_string());
    while next().await.get("ScanningFinished").is_none() {}

    let command = |id: u32, value: u32| {
        json!([{"OutputCmd": {"Id": id, "DeviceIndex": 0, "FeatureIndex": 2, "Command": {"Vibrate": {"Value": value}}}}])
            .to_string()
    };
    let mut late = Vec::new();
    for round in 0..rounds {
        let before = sensor.timed_writes().len();
        let (first, second) = (round * 2 % 100 + 1, round * 2 % 100 + 2);
        client.send(command(10 + round * 2, first));
        next().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        client.send(command(11 + round * 2, second));
        next().await;
        while sensor.firmware(|f| f.output(2).map(|o| o.value))
            != Some(i32::try_from(second).unwrap())
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let writes = sensor.timed_writes();
        let (t1, t2) = (writes[before].0, writes[writes.len() - 1].0);
        late.push((t2 - t1).saturating_sub(GAP));
        // Idle past the gap so the next round's first command goes out at once.
        tokio::time::sleep(GAP + Duration::from_millis(50)).await;
    }
    late.sort();
    println!(
        "held command lateness beyond a 100 ms gap over {rounds} rounds: median {:?}, max {:?}",
        late[late.len() / 2],
        late[late.len() - 1]
    );
}
