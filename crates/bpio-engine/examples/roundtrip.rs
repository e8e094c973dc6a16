//! Measures a running engine from outside: `OutputCmd` → `Ok` round trips over the websocket
//! (sequential, one in flight), and the engine's resident memory.
//!
//! ```text
//! cargo run --release -p bpio-engine -- --simulate --websocket-port 12345 &
//! cargo run --release -p bpio-engine --example roundtrip -- ws://127.0.0.1:12345 5000 <engine pid>
//! ```
//! The full benchmark tool (percentiles under load, device latency, the reference server side by
//! side) is `bpio-bench`; this is the quick check the engine's issue asked for.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bpio::transport_ws::{self, Config, Inbound};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().map_or("ws://127.0.0.1:12345", String::as_str);
    let count: u32 = args.get(1).map_or(Ok(2000), |n| n.parse()).context("count")?;
    if count == 0 {
        bail!("count must be at least 1");
    }
    let pid = args.get(2);

    let mut conn = transport_ws::connect(url, &Config::default()).await?;
    let next = async |conn: &mut transport_ws::Connection| -> Result<Value> {
        match tokio::time::timeout(Duration::from_secs(10), conn.recv()).await? {
            Inbound::Text(text) => Ok(serde_json::from_str::<Value>(&text)?[0].take()),
            other => bail!("unexpected {other:?}"),
        }
    };
    conn.send(json!([{"RequestServerInfo": {"Id": 1, "ClientName": "roundtrip", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0}}]).to_string());
    next(&mut conn).await?;
    conn.send(json!([{"StartScanning": {"Id": 2}}]).to_string());
    let mut device = None;
    while device.is_none() {
        let message = next(&mut conn).await?;
        if let Some(devices) =
            message.get("DeviceList").and_then(|list| list["Devices"].as_object())
        {
            device = devices
                .values()
                .find(|d| d["DeviceName"] == "Lovense Hush")
                .map(|d| d["DeviceIndex"].clone());
        }
    }
    let device = device.context("no simulated Lovense Hush: start the engine with --simulate")?;
    // Let the scan settle so its events do not mix with the measurement.
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(Inbound::Text(_)) =
        tokio::time::timeout(Duration::from_millis(50), conn.recv()).await
    {}

    let mut times = Vec::with_capacity(count as usize);
    for n in 0..count {
        let id = n + 10;
        let command = json!([{"OutputCmd": {"Id": id, "DeviceIndex": device, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": n % 20}}}}]);
        let started = Instant::now();
        conn.send(command.to_string());
        loop {
            let reply = next(&mut conn).await?;
            if reply.get("Ok").is_some_and(|ok| ok["Id"] == json!(id)) {
                break;
            }
        }
        times.push(started.elapsed());
    }
    conn.send(json!([{"StopCmd": {"Id": 3}}]).to_string());
    times.sort();
    // Nearest-rank percentile: the element at per-mille `q` of the sorted list.
    let at = |q: usize| times[(times.len() - 1) * q / 1000];
    println!(
        "OutputCmd -> Ok over {count} sequential round trips: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        at(500),
        at(900),
        at(990),
        times[times.len() - 1]
    );
    if let Some(pid) = pid {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let rss = status.lines().find(|line| line.starts_with("VmRSS")).unwrap_or("VmRSS: unknown");
        println!("engine resident memory: {}", rss.trim_start_matches("VmRSS:").trim());
    }
    Ok(())
}
