//! `--use-lovense-connect` in a real engine process, against the fake Lovense Connect app and
//! discovery service on loopback (real HTTP servers): a client scans, sees the app's toys,
//! drives them and reads a battery; a toy that leaves the app leaves the device list and comes
//! back under its index; stopping the engine stops every toy.

use bpio_hw_lovense_connect::fake::{FakeApp, FakeToy};
use serde_json::json;

use crate::hardware::Session;
use crate::{Engine, within};

const LUSH: &str = "c4e2a1b0d3f5";
const EDGE: &str = "a0b1c2d3e4f5";

fn output(id: u64, device: u64, feature: u64, value: u64) -> serde_json::Value {
    json!({"OutputCmd": {"Id": id, "DeviceIndex": device, "FeatureIndex": feature, "Command": {"Vibrate": {"Value": value}}}})
}

/// Scans until the list holds exactly `names`.
async fn scan_for(session: &mut Session, id: u64, names: &[&str]) -> Vec<u64> {
    session.scanning_finished = false;
    assert_eq!(
        session.request(json!({"StartScanning": {"Id": id}})).await,
        json!({"Ok": {"Id": id}})
    );
    session.wait_for(names).await
}

#[tokio::test]
async fn toys_of_the_lovense_connect_app_are_found_driven_and_stopped() {
    let mut app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new(LUSH, "Lush", 60));
    app.add_toy(FakeToy::new(EDGE, "Edge", 80));
    let mut engine = Engine::start(&[
        "--use-lovense-connect",
        "--lovense-connect-discovery-url",
        &app.discovery_url(),
    ])
    .await;
    let mut session = Session::open(&engine).await;
    session.request(json!({"RequestDeviceList": {"Id": 2}})).await;
    let [lush, edge] = scan_for(&mut session, 3, &["Lovense Lush", "Lovense Edge"]).await[..]
    else {
        unreachable!()
    };
    assert!(!engine.seen.iter().any(|line| line.contains("not supported")), "{:?}", engine.seen);

    // Commands become the app's HTTP requests, naming the toy.
    assert_eq!(session.request(output(10, lush, 0, 10)).await, json!({"Ok": {"Id": 10}}));
    assert_eq!(
        within("the command", app.wait_for_commands(1)).await,
        [format!("Vibrate1?v=10&t={LUSH}")]
    );
    assert_eq!(session.request(output(11, edge, 1, 5)).await, json!({"Ok": {"Id": 11}}));
    assert_eq!(
        within("the command", app.wait_for_commands(2)).await[1],
        format!("Vibrate2?v=5&t={EDGE}")
    );

    // The battery level the app reports.
    let read = json!({"InputCmd": {"Id": 12, "DeviceIndex": lush, "FeatureIndex": 1, "Type": "Battery", "Command": "Read"}});
    let reading = session.request(read).await;
    assert_eq!(reading["InputReading"]["Reading"], json!({"Battery": {"Value": 60}}), "{reading}");

    // The Lush leaves the app: it leaves the list; commands to it are refused.
    app.remove_toy(LUSH);
    within("the Lush to leave", async {
        while session.devices.as_object().unwrap().len() == 2 {
            session.next().await;
        }
    })
    .await;
    assert_eq!(session.names(), ["Lovense Edge"]);
    let refused = session.request(output(13, lush, 0, 3)).await;
    assert_eq!(refused["Error"]["ErrorCode"], json!(4), "{refused}");

    // Back in the app: the next scan finds it under its index.
    app.add_toy(FakeToy::new(LUSH, "Lush", 55));
    let again = scan_for(&mut session, 14, &["Lovense Lush", "Lovense Edge"]).await;
    assert_eq!(again, [lush, edge]);
    assert_eq!(session.request(output(15, lush, 0, 20)).await, json!({"Ok": {"Id": 15}}));
    let sent = within("the command", app.wait_for_commands(3)).await;
    assert_eq!(sent[2], format!("Vibrate1?v=20&t={LUSH}"));

    // Stopping the engine stops every toy before it exits.
    let before = sent.len();
    let pid = engine.child.id().unwrap();
    let status =
        std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(status.success());
    let exit = within("exit", engine.child.wait()).await.unwrap();
    assert!(exit.success(), "{exit:?}");
    // The session's end and the engine's shutdown each stop every device: once or twice each.
    let mut stops = app.commands().split_off(before);
    stops.sort();
    stops.dedup();
    assert_eq!(
        stops,
        [
            format!("Vibrate1?v=0&t={EDGE}"),
            format!("Vibrate1?v=0&t={LUSH}"),
            format!("Vibrate2?v=0&t={EDGE}"),
        ]
    );
    app.go_away().await;
}

#[tokio::test]
async fn a_discovery_url_that_is_not_http_stops_the_engine_with_one_line() {
    let output = within(
        "the engine to give up",
        tokio::process::Command::new(env!("CARGO_BIN_EXE_bpio-engine"))
            .args([
                "--websocket-port",
                "0",
                "--use-lovense-connect",
                "--lovense-connect-discovery-url",
                "ftp://x/y",
            ])
            .env("NO_COLOR", "1")
            .output(),
    )
    .await
    .unwrap();
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("--lovense-connect-discovery-url") && log.contains("ftp://x/y"), "{log}");
}
