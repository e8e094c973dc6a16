//! Several sessions on one hub: a session's end stops what it owns and nothing another session
//! runs, a stop-all stops everything, and device events reach the sessions they are for
//! (docs/PROTOCOL.md 14).

use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_hardware::sim::{LovenseFirmware, SimHandle};
use bpio_protocol::v4::OutputType;
use bpio_server::runtime::{Observation, Observed, Observer};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::{Client, Devices, connect, scan, simulated_hub, tx_writes, vibrate};

const SUBSCRIBE: &str = "Subscribe";
const UNSUBSCRIBE: &str = "Unsubscribe";

/// Two sessions on one hub with the devices found, a watcher of what happens from then on, and
/// the switches that would stop the sessions.
async fn two_sessions() -> (Devices, Client, Client, Observer, [watch::Sender<bool>; 2]) {
    let (hub, devices) = simulated_hub(None);
    let (mut first, first_stop) = connect(hub.clone()).await;
    scan(&mut first).await;
    let (second, second_stop) = connect(hub.clone()).await;
    (devices, first, second, hub.observe(), [first_stop, second_stop])
}

/// What `observer` saw up to now.
fn observed(observer: &mut Observer) -> Vec<Observation> {
    std::iter::from_fn(|| observer.try_next())
        .map(|observed| match observed {
            Observed::Event(observation) => observation,
            Observed::Missed(missed) => panic!("missed {missed} observations"),
        })
        .collect()
}

async fn ok(client: &mut Client, message: Value) {
    let reply = client.request(message).await;
    assert!(reply.get("Ok").is_some(), "{reply}");
}

/// `client` vibrates each `(device, feature, value)` in turn.
async fn vibrates(client: &mut Client, commands: &[(u32, u32, i64)]) {
    for (device, feature, value) in commands {
        ok(client, vibrate(*device, *feature, *value)).await;
    }
}

/// Lets every gap end and every write land.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

fn motors(device: &SimHandle<LovenseFirmware>) -> Vec<u32> {
    device.firmware(|f| f.motors().to_vec())
}

#[tokio::test(start_paused = true)]
async fn a_session_end_stops_its_features_and_no_stop_reaches_another_sessions() {
    let (devices, mut first, mut second, mut observer, _stops) = two_sessions().await;
    // The first runs the Hush and one Edge motor; the second the other Edge motor.
    vibrates(&mut first, &[(0, 0, 10), (1, 0, 5)]).await;
    // The second takes the Hush over: the first's end no longer touches it.
    vibrates(&mut second, &[(1, 1, 7), (0, 0, 12)]).await;
    settle().await;
    assert_eq!(motors(&devices.hush), [12]);
    assert_eq!(motors(&devices.edge), [5, 7]);
    let (hush_before, edge_before) =
        (tx_writes(&devices.hush).len(), tx_writes(&devices.edge).len());
    observed(&mut observer);

    // The first client goes away without a word.
    drop(first);
    settle().await;
    assert_eq!(motors(&devices.edge), [0, 7]);
    assert_eq!(tx_writes(&devices.edge)[edge_before..], ["Vibrate1:0;"]);
    assert_eq!(motors(&devices.hush), [12]);
    assert!(tx_writes(&devices.hush)[hush_before..].is_empty(), "a stop reached the Hush");
    // Watchers see a 0 for what was stopped and only that: the first's Edge motor, and the
    // sensor's motor, which nobody drives, so the whole device stops as with one client.
    let zero = |device, feature| Observation::Output {
        device,
        feature,
        output: OutputType::Vibrate,
        value: 0,
    };
    let seen = observed(&mut observer);
    assert_eq!(seen[..2], [zero(1, 0), zero(2, 2)]);
    assert!(matches!(seen[2..], [Observation::ClientDisconnected { .. }]), "{seen:?}");

    // The second still drives both, and its end stops them.
    vibrates(&mut second, &[(1, 1, 9)]).await;
    settle().await;
    assert_eq!(motors(&devices.edge), [0, 9]);
    drop(second);
    settle().await;
    assert_eq!(motors(&devices.edge), [0, 0]);
    assert_eq!(motors(&devices.hush), [0]);
}

#[tokio::test(start_paused = true)]
async fn a_zero_ends_ownership_and_a_stop_all_from_anyone_stops_everything() {
    let (devices, mut first, mut second, _observer, _stops) = two_sessions().await;
    vibrates(&mut first, &[(1, 0, 5)]).await;
    // A zero from the second ends the first's ownership; the first then runs it again.
    vibrates(&mut second, &[(1, 0, 0), (1, 1, 4)]).await;
    vibrates(&mut first, &[(1, 0, 6)]).await;
    vibrates(&mut second, &[(0, 0, 3)]).await;
    settle().await;
    assert_eq!(motors(&devices.edge), [6, 4]);
    assert_eq!(motors(&devices.hush), [3]);

    // The panic button works from either session, whoever owns what.
    ok(&mut first, json!({"StopCmd": {}})).await;
    settle().await;
    assert_eq!(motors(&devices.edge), [0, 0]);
    assert_eq!(motors(&devices.hush), [0]);

    // Nobody owns anything now: the second runs the Hush, and the first's end spares it.
    vibrates(&mut second, &[(0, 0, 8)]).await;
    settle().await;
    let hush_before = tx_writes(&devices.hush).len();
    drop(first);
    settle().await;
    assert_eq!(motors(&devices.hush), [8]);
    assert!(tx_writes(&devices.hush)[hush_before..].is_empty(), "a stop reached the Hush");
}

/// Every message `client` was sent and has not read.
fn pending(client: &mut Client) -> Vec<Value> {
    std::iter::from_fn(|| client.from_server.try_recv().ok().flatten())
        .map(|text| serde_json::from_str::<Value>(&text).unwrap()[0].take())
        .collect()
}

/// Reads `client`'s messages up to its `ScanningFinished`; returns the devices listed by then.
async fn until_scanning_finished(client: &mut Client) -> usize {
    let mut listed = 0;
    loop {
        let message = client.next().await.unwrap();
        if message.get("ScanningFinished").is_some() {
            return listed;
        }
        if let Some(list) = message.get("DeviceList") {
            listed = list["Devices"].as_object().unwrap().len();
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_shared_scan_ends_for_each_session_that_asked_and_every_session_sees_the_devices() {
    let (hub, _devices) = simulated_hub(None);
    let (mut first, _first_stop) = connect(hub.clone()).await;
    let (mut second, _second_stop) = connect(hub.clone()).await;
    let (mut bystander, _bystander_stop) = connect(hub.clone()).await;
    first.send(json!({"StartScanning": {}}));
    second.send(json!({"StartScanning": {}}));
    assert_eq!(until_scanning_finished(&mut first).await, 3);
    assert_eq!(until_scanning_finished(&mut second).await, 3);
    settle().await;
    // One ScanningFinished each, and none for the session that did not ask.
    for client in [&mut first, &mut second] {
        let rest = pending(client);
        assert!(rest.iter().all(|m| m.get("ScanningFinished").is_none()), "{rest:?}");
    }
    let seen = pending(&mut bystander);
    assert!(seen.iter().all(|m| m.get("DeviceList").is_some()), "{seen:?}");
    assert_eq!(seen.last().unwrap()["DeviceList"]["Devices"].as_object().unwrap().len(), 3);
}

fn pressure(command: &str) -> Value {
    json!({"InputCmd": {"DeviceIndex": 2, "FeatureIndex": 0, "Type": "Pressure", "Command": command}})
}

/// How many subscribe and unsubscribe commands the sensor's hardware received.
fn subscriptions(devices: &Devices) -> (usize, usize) {
    let received = devices.sensor.received();
    let count = |subscribe: bool| {
        received
            .iter()
            .filter(|c| match c {
                HardwareCommand::Subscribe { .. } => subscribe,
                HardwareCommand::Unsubscribe { .. } => !subscribe,
                _ => false,
            })
            .count()
    };
    (count(true), count(false))
}

#[tokio::test(start_paused = true)]
async fn readings_reach_every_subscribed_session_and_a_read_only_the_session_that_asked() {
    let (devices, mut first, mut second, _observer, _stops) = two_sessions().await;
    ok(&mut first, pressure(SUBSCRIBE)).await;
    ok(&mut second, pressure(SUBSCRIBE)).await;
    settle().await;
    assert_eq!(subscriptions(&devices), (1, 0), "the hardware is subscribed once");
    devices.sensor.update(|firmware| firmware.set_pressure(1830));
    let reading = json!({"InputReading": {"Id": 0, "DeviceIndex": 2, "FeatureIndex": 0, "Reading": {"Pressure": {"Value": 1830}}}});
    assert_eq!(first.next().await.unwrap(), reading);
    assert_eq!(second.next().await.unwrap(), reading);

    // The first unsubscribes: the second still gets readings, the first none.
    ok(&mut first, pressure(UNSUBSCRIBE)).await;
    settle().await;
    assert_eq!(subscriptions(&devices), (1, 0), "the hardware stays subscribed for the second");
    devices.sensor.update(|firmware| firmware.set_pressure(1900));
    assert_eq!(second.next().await.unwrap()["InputReading"]["Reading"]["Pressure"]["Value"], 1900);
    settle().await;
    assert_eq!(pending(&mut first), Vec::<Value>::new());

    // A read answers the session that asked, and nobody else.
    let read = json!({"InputCmd": {"DeviceIndex": 0, "FeatureIndex": 1, "Type": "Battery", "Command": "Read"}});
    let reply = second.request(read).await;
    assert!(reply.get("InputReading").is_some(), "{reply}");
    settle().await;
    assert_eq!(pending(&mut first), Vec::<Value>::new());

    // The second's end ends its subscription, and with nobody left the hardware's.
    drop(second);
    settle().await;
    assert_eq!(subscriptions(&devices), (1, 1));
    ok(&mut first, pressure(SUBSCRIBE)).await;
    settle().await;
    assert_eq!(subscriptions(&devices), (2, 1));
}
