//! The timing gap end to end over a real websocket (issue 6): a simulated device whose gap a user
//! config sets to 100 ms gets a burst of 50 distinct commands sent back to back. Every command
//! gets its Ok, the device sees at most two writes, and the last write carries the last value.

use std::time::Duration;

use bpio::hardware::Endpoint;
use bpio::transport_ws::{self, Config, Inbound};
use serde_json::{Value, json};

use crate::within;

#[tokio::test]
async fn a_burst_of_50_commands_inside_a_100_ms_gap_gives_at_most_two_writes() {
    let (url, sensor) = crate::simulated::serve_gap_sensor(100).await;

    let (mut inbound, client) =
        transport_ws::connect(&url, &Config::default()).await.unwrap().split();
    let mut next = async || match within("a message", inbound.recv()).await {
        Inbound::Text(text) => serde_json::from_str::<Value>(&text).unwrap()[0].take(),
        other => panic!("{other:?}"),
    };
    client.send(json!([{"RequestServerInfo": {"Id": 1, "ClientName": "gap", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0}}]).to_string());
    next().await;
    client.send(json!([{"StartScanning": {"Id": 2}}]).to_string());
    let device = loop {
        let message = next().await;
        if let Some(device) = message.pointer("/DeviceList/Devices/0") {
            break device.clone();
        }
    };
    assert_eq!(
        device["DeviceMessageTimingGap"],
        json!(100),
        "the advertised gap is the enforced one"
    );
    while next().await.get("ScanningFinished").is_none() {}

    let writes_before = sensor.writes().len();
    let burst: Vec<String> = (1..=50)
        .map(|value| {
            json!({"OutputCmd": {"Id": 100 + value, "DeviceIndex": 0, "FeatureIndex": 2, "Command": {"Vibrate": {"Value": value}}}})
                .to_string()
        })
        .collect();
    // Back to back: one transmission holding all 50 commands.
    client.send(format!("[{}]", burst.join(",")));
    for value in 1..=50 {
        assert_eq!(next().await, json!({"Ok": {"Id": 100 + value}}));
    }
    // Wait for the held command: well past one gap, bounded generously.
    within("the held command", async {
        while sensor.firmware(|f| f.output(2).map(|o| o.value)) != Some(50) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let writes: Vec<(Endpoint, Vec<u8>)> = sensor.writes()[writes_before..].to_vec();
    assert!(writes.len() <= 2, "{} writes: {writes:?}", writes.len());
    assert_eq!(
        sensor.firmware(|f| f.output(2).map(|o| o.value)),
        Some(50),
        "the last write carries the last value"
    );
}
