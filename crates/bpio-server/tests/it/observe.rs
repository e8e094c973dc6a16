//! The observation stream: what a watcher of the hub sees as a client comes, drives devices and
//! goes, and that a watcher who never reads slows nothing down.

use bpio_protocol::SpecVersion;
use bpio_protocol::v4::OutputType;
use bpio_server::runtime::{Observation, Observed, Observer};
use serde_json::json;

use crate::{connect, simulated_hub, vibrate};

/// The next observation, failing on a gap.
async fn next(observer: &mut Observer) -> Observation {
    let observed = tokio::time::timeout(std::time::Duration::from_secs(60), observer.next())
        .await
        .expect("an observation")
        .expect("the hub is running");
    match observed {
        Observed::Event(observation) => observation,
        Observed::Missed(missed) => panic!("missed {missed} observations"),
    }
}

fn output(device: u32, feature: u32, output: OutputType, value: i64) -> Observation {
    Observation::Output { device, feature, output, value }
}

#[tokio::test(start_paused = true)]
async fn a_watcher_sees_the_client_its_devices_and_every_output_it_sets() {
    let (hub, devices) = simulated_hub(None);
    let mut observer = hub.observe();
    let (mut client, _stop) = connect(hub.clone()).await;
    let Observation::ClientConnected { session, name, version } = next(&mut observer).await else {
        panic!("expected the client")
    };
    assert_eq!((name.as_str(), version), ("it", SpecVersion::V4));

    client.request(json!({"StartScanning": {}})).await;
    assert_eq!(next(&mut observer).await, Observation::Scanning(true));
    let mut connected = Vec::new();
    while connected.len() < 3 {
        let Observation::DeviceConnected(device) = next(&mut observer).await else {
            panic!("expected the devices")
        };
        connected.push(device);
    }
    // The scan ends once what it found is listed.
    assert_eq!(next(&mut observer).await, Observation::Scanning(false));
    connected.sort_by_key(|device| device.index);
    let seen: Vec<_> = connected
        .iter()
        .map(|d| (d.index, d.name.as_str(), d.protocol.as_str(), d.address.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (0, "Lovense Hush", "lovense", "hush-1"),
            (1, "Lovense Edge", "lovense", "edge-1"),
            (2, "Simulated Sensor", "simulated", "sensor-1"),
        ]
    );
    assert_eq!(connected[0].display_name, None);

    client.request(vibrate(1, 1, 7)).await;
    assert_eq!(next(&mut observer).await, output(1, 1, OutputType::Vibrate, 7));
    // A legacy-shaped batch is one observation per feature it sets.
    client
        .request(json!({"OutputCmd": {"DeviceIndex": 0, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": 3}}}}))
        .await;
    assert_eq!(next(&mut observer).await, output(0, 0, OutputType::Vibrate, 3));

    // A stop is a 0 for the output it stops, on every feature of the device that has one.
    client.request(json!({"StopCmd": {"DeviceIndex": 1}})).await;
    assert_eq!(next(&mut observer).await, output(1, 0, OutputType::Vibrate, 0));
    assert_eq!(next(&mut observer).await, output(1, 1, OutputType::Vibrate, 0));

    // A refused command sets nothing.
    let refused = client.request(vibrate(9, 0, 1)).await;
    assert_eq!(refused["Error"]["ErrorCode"], json!(4));

    devices.edge.drop_connection();
    assert_eq!(next(&mut observer).await, Observation::DeviceDisconnected { index: 1 });

    drop(client);
    // The session's end stops every device: a 0 for each output that remains, then the client
    // is gone.
    let mut last = next(&mut observer).await;
    while matches!(last, Observation::Output { value: 0, .. }) {
        last = next(&mut observer).await;
    }
    assert_eq!(last, Observation::ClientDisconnected { session });
}

#[tokio::test(start_paused = true)]
async fn a_watcher_that_never_reads_slows_nothing_and_is_told_what_it_missed() {
    let (hub, _devices) = simulated_hub(None);
    let mut stalled = hub.observe();
    let (mut client, _stop) = connect(hub.clone()).await;
    client.request(json!({"StartScanning": {}})).await;
    while client.next().await.unwrap().get("ScanningFinished").is_none() {}
    // Far more observations than a watcher's backlog; every command is still answered.
    for n in 0..3000 {
        let reply = client.request(vibrate(0, 0, n % 20)).await;
        assert!(reply.get("Ok").is_some(), "{reply}");
    }
    let Some(Observed::Missed(missed)) = stalled.next().await else {
        panic!("the stalled watcher is told it fell behind")
    };
    assert!(missed > 1000, "missed {missed}");
    // After the gap it reads on from the newest observations.
    assert!(matches!(stalled.next().await, Some(Observed::Event(_))));
}
