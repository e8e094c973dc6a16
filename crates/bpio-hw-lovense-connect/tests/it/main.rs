//! The Lovense Connect backend against the fake app and discovery service, real HTTP servers on
//! loopback: discovery and listing, commands, battery, a toy and the app going away, and the
//! app's bad answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use bpio_hardware::{
    AdvertisementBuf, Endpoint, EventSink, FoundDevice, Hardware, HardwareEvent, HardwareManager,
    HwError, ManagerEvent, Specialization,
};
use bpio_hw_lovense_connect::fake::{FakeApp, FakeToy, Fault};
use bpio_hw_lovense_connect::{Config, Error, LovenseConnect, LovenseConnectManager};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

fn sink<E: Send + 'static>() -> (EventSink<E>, UnboundedReceiver<E>) {
    let (tx, rx) = unbounded_channel();
    (EventSink::new(move |event| tx.send(event).map_err(|_| bpio_hardware::SinkClosed)), rx)
}

/// A manager on `discovery_url` that polls quickly, so tests notice changes fast.
fn start_manager(discovery_url: &str) -> (LovenseConnectManager, UnboundedReceiver<ManagerEvent>) {
    let config = Config {
        discovery_url: discovery_url.to_owned(),
        poll_interval: Duration::from_millis(50),
        request_timeout: Duration::from_secs(5),
    };
    let (events, received) = sink();
    (LovenseConnect::new(config).unwrap().start(events), received)
}

/// Scans once: the devices found, in order, up to `ScanningFinished`.
async fn scan(
    manager: &LovenseConnectManager,
    events: &mut UnboundedReceiver<ManagerEvent>,
) -> Vec<FoundDevice> {
    manager.start_scanning().await.unwrap();
    let mut found = Vec::new();
    loop {
        match within("a scan event", events.recv()).await.unwrap() {
            ManagerEvent::Found(device) => found.push(device),
            ManagerEvent::ScanningFinished => return found,
        }
    }
}

fn summary(found: &[FoundDevice]) -> Vec<(&str, &str)> {
    found.iter().map(|device| (device.name.as_str(), device.address.as_str())).collect()
}

async fn connect(found: FoundDevice) -> (Arc<dyn Hardware>, UnboundedReceiver<HardwareEvent>) {
    let (events, received) = sink();
    let hardware = found.connector.connect(Specialization::Fixed, events).await.unwrap();
    (hardware, received)
}

/// The backend's own error inside a hardware error.
fn backend(error: HwError) -> Error {
    match error {
        HwError::Backend(source) => *source.downcast::<Error>().unwrap(),
        other => panic!("expected a backend error, got {other:?}"),
    }
}

/// Waits until the device reports its disconnect, then checks nothing follows it for a few
/// polls.
async fn expect_disconnect_once(events: &mut UnboundedReceiver<HardwareEvent>) {
    assert_eq!(within("the disconnect", events.recv()).await, Some(HardwareEvent::Disconnected));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(events.try_recv().is_err(), "a second event after the disconnect");
}

/// Checks that the app is no longer polled (a poll in flight may still land).
async fn expect_no_polling(app: &FakeApp) {
    let polls = app.toy_list_requests();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.toy_list_requests() <= polls + 1, "polling went on without a toy");
}

#[tokio::test]
async fn a_scan_finds_the_connected_toys_of_the_app_the_discovery_lists() {
    let app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 60));
    app.add_toy(FakeToy::new("a0b1c2", "Edge", 80));
    app.add_toy(FakeToy { connected: false, ..FakeToy::new("ffee00", "Nora", 10) });
    let (manager, mut events) = start_manager(&app.discovery_url());
    assert_eq!(manager.name(), "lovense-connect");

    let found = scan(&manager, &mut events).await;
    assert_eq!(summary(&found), [("Edge", "a0b1c2"), ("Lush", "c4e2a1")]);
    assert!(found.iter().all(|device| device.advertisement == AdvertisementBuf::LovenseConnect));
    assert_eq!(app.toy_list_requests(), 1);

    // The app is remembered: the next scan asks it directly and sees the toy that connected.
    app.set_connected("ffee00", true);
    let found = scan(&manager, &mut events).await;
    assert_eq!(summary(&found), [("Edge", "a0b1c2"), ("Lush", "c4e2a1"), ("Nora", "ffee00")]);
    assert!(app.commands().is_empty());
}

#[tokio::test]
async fn commands_reach_the_app_and_its_refusals_are_errors() {
    let app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 60));
    let (manager, mut events) = start_manager(&app.discovery_url());
    let found = scan(&manager, &mut events).await.into_iter().next().unwrap();
    let (lush, _events) = connect(found).await;
    assert_eq!((lush.name(), lush.address()), ("Lush", "c4e2a1"));
    assert_eq!(lush.endpoints(), [Endpoint::Rx, Endpoint::Tx]);

    lush.write(Endpoint::Tx, b"Vibrate1?v=10&t=c4e2a1", false).await.unwrap();
    lush.write(Endpoint::Tx, b"Vibrate1?v=0&t=c4e2a1", false).await.unwrap();
    assert_eq!(app.commands(), ["Vibrate1?v=10&t=c4e2a1", "Vibrate1?v=0&t=c4e2a1"]);

    // The app's refusals, each with its code.
    let refused = lush.write(Endpoint::Tx, b"Vibrate1?v=10&t=nobody", false).await.unwrap_err();
    assert!(matches!(backend(refused), Error::App { code: 401, .. }));
    let refused = lush.write(Endpoint::Tx, b"Vibrate1?v=99&t=c4e2a1", false).await.unwrap_err();
    assert!(matches!(backend(refused), Error::App { code: 404, .. }));
    let refused = lush.write(Endpoint::Tx, b"Explode?t=c4e2a1", false).await.unwrap_err();
    let refused = backend(refused);
    assert_eq!(refused.to_string(), "the Lovense Connect app refused: 400 Invalid Command");

    // What the toy cannot carry is refused before anything is sent.
    let sent = app.commands().len();
    assert!(matches!(
        backend(lush.write(Endpoint::Tx, &[0xff, 0], false).await.unwrap_err()),
        Error::NotText
    ));
    assert!(matches!(
        lush.write(Endpoint::Rx, b"Vibrate1?v=1", false).await,
        Err(HwError::NoEndpoint(Endpoint::Rx))
    ));
    assert!(matches!(lush.subscribe(Endpoint::Rx).await, Err(HwError::Unsupported(_))));
    assert_eq!(app.commands().len(), sent);
}

#[tokio::test]
async fn the_battery_level_is_the_one_of_the_latest_poll() {
    let app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 60));
    app.add_toy(FakeToy { battery: None, ..FakeToy::new("a0b1c2", "Edge", 0) });
    let (manager, mut events) = start_manager(&app.discovery_url());
    let mut found = scan(&manager, &mut events).await;
    let (lush, _lush_events) = connect(found.pop().unwrap()).await;
    let (edge, _edge_events) = connect(found.pop().unwrap()).await;
    assert_eq!(edge.address(), "a0b1c2");

    let read = |hardware: Arc<dyn Hardware>| async move {
        hardware.read(Endpoint::Rx, 1, Duration::from_secs(1)).await
    };
    assert_eq!(read(Arc::clone(&lush)).await.unwrap(), [60]);
    // The app does not know the Edge's level: a clear error, not a made-up number.
    assert!(matches!(backend(read(Arc::clone(&edge)).await.unwrap_err()), Error::NoBattery));

    app.set_battery("c4e2a1", Some(42));
    app.set_battery("a0b1c2", Some(7));
    within("the polled levels", async {
        loop {
            let lush_level = read(Arc::clone(&lush)).await.ok();
            let edge_level = read(Arc::clone(&edge)).await.ok();
            if lush_level == Some(vec![42]) && edge_level == Some(vec![7]) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(matches!(
        lush.read(Endpoint::Tx, 1, Duration::from_secs(1)).await,
        Err(HwError::NoEndpoint(Endpoint::Tx))
    ));
    // Battery reads are served from the poll: they send no command.
    assert!(app.commands().is_empty());
}

#[tokio::test]
async fn a_toy_that_leaves_is_disconnected_once_and_found_again_under_its_address() {
    let app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 60));
    app.add_toy(FakeToy::new("a0b1c2", "Edge", 80));
    let (manager, mut events) = start_manager(&app.discovery_url());
    let mut found = scan(&manager, &mut events).await;
    let (lush, mut lush_events) = connect(found.pop().unwrap()).await;
    let (edge, mut edge_events) = connect(found.pop().unwrap()).await;

    // Unpaired from the app: gone.
    app.remove_toy("c4e2a1");
    expect_disconnect_once(&mut lush_events).await;
    assert!(matches!(
        lush.write(Endpoint::Tx, b"Vibrate1?v=1&t=c4e2a1", false).await,
        Err(HwError::Disconnected)
    ));
    assert!(matches!(
        lush.read(Endpoint::Rx, 1, Duration::from_secs(1)).await,
        Err(HwError::Disconnected)
    ));
    // Still paired, but no longer connected to the app: gone too.
    app.set_connected("a0b1c2", false);
    expect_disconnect_once(&mut edge_events).await;
    expect_no_polling(&app).await;
    drop((lush, edge));

    // Back: the next scan finds it under the same address, and it is driven again.
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 55));
    let found = scan(&manager, &mut events).await;
    assert_eq!(summary(&found), [("Lush", "c4e2a1")]);
    let (lush, mut lush_events) = connect(found.into_iter().next().unwrap()).await;
    assert_eq!(lush.read(Endpoint::Rx, 1, Duration::from_secs(1)).await.unwrap(), [55]);
    lush.write(Endpoint::Tx, b"Vibrate1?v=3&t=c4e2a1", false).await.unwrap();
    assert_eq!(app.commands(), ["Vibrate1?v=3&t=c4e2a1"]);

    // Disconnected by the server: reported once, and the app is no longer polled for it.
    lush.disconnect().await.unwrap();
    expect_disconnect_once(&mut lush_events).await;
    expect_no_polling(&app).await;
}

#[tokio::test]
async fn when_the_app_goes_away_every_toy_is_disconnected_once() {
    let mut app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 60));
    app.add_toy(FakeToy::new("a0b1c2", "Edge", 80));
    let (manager, mut events) = start_manager(&app.discovery_url());
    let mut found = scan(&manager, &mut events).await;
    let (lush, mut lush_events) = connect(found.pop().unwrap()).await;
    let (_edge, mut edge_events) = connect(found.pop().unwrap()).await;

    app.go_away().await;
    expect_disconnect_once(&mut lush_events).await;
    expect_disconnect_once(&mut edge_events).await;
    assert!(matches!(
        lush.write(Endpoint::Tx, b"Vibrate1?v=1&t=c4e2a1", false).await,
        Err(HwError::Disconnected)
    ));
    // A scan finds nothing, and still finishes.
    assert!(scan(&manager, &mut events).await.is_empty());
    assert!(scan(&manager, &mut events).await.is_empty());
}

#[tokio::test]
async fn a_command_to_an_app_that_went_away_fails_clearly() {
    let mut app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 60));
    // Polls far apart, so the command is sent before the poll notices.
    let config = Config {
        discovery_url: app.discovery_url(),
        poll_interval: Duration::from_secs(60),
        request_timeout: Duration::from_secs(5),
    };
    let (events, mut received) = sink();
    let manager = LovenseConnect::new(config).unwrap().start(events);
    let found = scan(&manager, &mut received).await.into_iter().next().unwrap();
    let (lush, _events) = connect(found).await;
    app.go_away().await;
    let failed = lush.write(Endpoint::Tx, b"Vibrate1?v=1&t=c4e2a1", false).await.unwrap_err();
    let failed = backend(failed);
    assert!(matches!(failed, Error::Unreachable { .. }), "{failed:?}");
    assert_eq!(failed.to_string(), "cannot reach the Lovense Connect app");
}

#[tokio::test]
async fn bad_answers_of_the_app_end_a_scan_with_nothing_found() {
    let app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 60));
    let (manager, mut events) = start_manager(&app.discovery_url());
    for fault in [Fault::BadJson, Fault::Status(503), Fault::Refusal(506)] {
        app.fail_toy_list(Some(fault));
        assert!(scan(&manager, &mut events).await.is_empty(), "{fault:?}");
    }
    // Answering again: found (through discovery again, since the app was forgotten).
    app.fail_toy_list(None);
    assert_eq!(summary(&scan(&manager, &mut events).await), [("Lush", "c4e2a1")]);

    // A discovery service that is not there, or answers nonsense: nothing found, scan finished.
    let (nowhere, mut nowhere_events) = start_manager("http://127.0.0.1:9/api/lan/getToys");
    assert!(scan(&nowhere, &mut nowhere_events).await.is_empty());
    let (not_json, mut not_json_events) = start_manager(&format!("{}/GetToys/x", app.app_url()));
    assert!(scan(&not_json, &mut not_json_events).await.is_empty());
}

#[tokio::test]
async fn bad_json_from_the_app_disconnects_its_toys() {
    let app = FakeApp::start().await.unwrap();
    app.add_toy(FakeToy::new("c4e2a1", "Lush", 60));
    let (manager, mut events) = start_manager(&app.discovery_url());
    let found = scan(&manager, &mut events).await.into_iter().next().unwrap();
    let (_lush, mut lush_events) = connect(found).await;
    app.fail_toy_list(Some(Fault::BadJson));
    expect_disconnect_once(&mut lush_events).await;
    expect_no_polling(&app).await;
}

#[tokio::test]
async fn a_discovery_url_that_is_not_http_is_refused() {
    for bad in ["ftp://example.com/x", "not a url", "http://"] {
        let config = Config { discovery_url: bad.to_owned(), ..Config::default() };
        match LovenseConnect::new(config) {
            Err(error @ Error::BadUrl(_)) => assert!(error.to_string().contains(bad), "{error}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert!(LovenseConnect::new(Config::default()).is_ok());
}
