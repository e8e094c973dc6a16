//! The scenarios, and the small runner that runs them one after another on the shared mock.

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bpio_hardware::{
    AdvertisementBuf, Endpoint, EventSink, FoundDevice, Hardware, HardwareEvent, HardwareManager,
    HwError, ManagerEvent, SinkClosed, Specialization, Uuid,
};
use bpio_hw_btleplug::{BtleplugConfig, BtleplugManager, DeviceFilter, Reconnect};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::mock::{Bluez, MockPeripheral, PeripheralSpec};

// A Lovense Hush as the device database describes it (lovense.json): its service, `tx` and `rx`
// characteristics, and Lovense's company id.
const HUSH_SERVICE: u128 = 0x5a30_0001_0023_4bd4_bbd5_a692_0e4c_5653;
const HUSH_TX: u128 = 0x5a30_0002_0023_4bd4_bbd5_a692_0e4c_5653;
const HUSH_RX: u128 = 0x5a30_0003_0023_4bd4_bbd5_a692_0e4c_5653;
const OLD_LOVENSE_SERVICE: u128 = 0x0000_fff0_0000_1000_8000_0080_5f9b_34fb;
const LOVENSE_COMPANY: u16 = 620;
const HUSH_DATA: [u8; 2] = [255, 33];

/// How long one scenario may take, and one awaited event.
const SCENARIO_LIMIT: Duration = Duration::from_secs(120);
const EVENT_LIMIT: Duration = Duration::from_secs(15);
const RETRY: Reconnect =
    Reconnect { first_delay: Duration::from_millis(50), max_delay: Duration::from_millis(400) };

type Scenario = fn(&'static Bluez) -> Pin<Box<dyn Future<Output = ()>>>;

fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        // First: the adapter appears with the first peripheral.
        ("scanning_without_an_adapter_fails_and_ends_the_scan", |b| Box::pin(no_adapter(b))),
        ("a_scan_reports_the_devices_it_hears_that_the_database_may_know", |b| {
            Box::pin(scan_reports(b))
        }),
        ("connecting_resolves_endpoints_and_moves_bytes_both_ways", |b| Box::pin(moves_bytes(b))),
        ("a_dropped_device_fails_commands_at_once_and_comes_back_without_a_scan", |b| {
            Box::pin(comes_back(b))
        }),
        ("a_reconnected_device_nobody_takes_is_let_go", |b| Box::pin(let_go(b))),
    ]
}

/// Which scenarios the command line selects, libtest style.
pub(crate) struct Selection {
    list: bool,
    names: Vec<(&'static str, Scenario)>,
}

pub(crate) fn select() -> Selection {
    let mut filters = Vec::new();
    let mut skips = Vec::new();
    let (mut list, mut exact, mut ignored) = (false, false, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => list = true,
            "--exact" => exact = true,
            // None is ignored.
            "--ignored" => ignored = true,
            "--skip" => skips.extend(args.next()),
            "--format" | "--test-threads" | "--color" | "--logfile" | "-Z" => {
                args.next();
            }
            flag if flag.starts_with('-') => {}
            filter => filters.push(filter.to_owned()),
        }
    }
    let matches = |name: &str, filter: &String| {
        if exact { name == filter } else { name.contains(filter.as_str()) }
    };
    let names = scenarios()
        .into_iter()
        .filter(|_| !ignored)
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| matches(name, f)))
        .filter(|(name, _)| !skips.iter().any(|s| matches(name, s)))
        .collect();
    Selection { list, names }
}

impl Selection {
    /// Answers `--list` and empty selections without a bus; `None` when there is work.
    pub(crate) fn without_bus(&self) -> Option<ExitCode> {
        if self.list {
            for (name, _) in &self.names {
                println!("{name}: test");
            }
            return Some(ExitCode::SUCCESS);
        }
        if self.names.is_empty() {
            println!(
                "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n"
            );
            return Some(ExitCode::SUCCESS);
        }
        None
    }
}

/// Runs the selected scenarios (in the child process, whose system bus is the mock's).
pub(crate) fn run() -> ExitCode {
    let selection = select();
    let bluez: &'static Bluez = Box::leak(Box::new(Bluez::connect()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let started = Instant::now();
    println!("\nrunning {} tests", selection.names.len());
    let mut failed = Vec::new();
    for (name, scenario) in &selection.names {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            runtime.block_on(async { tokio::time::timeout(SCENARIO_LIMIT, scenario(bluez)).await })
        }));
        let passed = match outcome {
            Ok(Ok(())) => true,
            Ok(Err(_)) => {
                eprintln!("{name} took longer than {SCENARIO_LIMIT:?}");
                false
            }
            Err(_) => false,
        };
        println!("test {name} ... {}", if passed { "ok" } else { "FAILED" });
        if !passed {
            failed.push(*name);
        }
    }
    let passed = selection.names.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n",
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn channel<E: Send + 'static>() -> (EventSink<E>, UnboundedReceiver<E>) {
    let (sender, receiver) = unbounded_channel();
    (EventSink::new(move |event| sender.send(event).map_err(|_| SinkClosed)), receiver)
}

async fn next<E>(events: &mut UnboundedReceiver<E>) -> E {
    tokio::time::timeout(EVENT_LIMIT, events.recv())
        .await
        .expect("an event in time")
        .expect("the sender is alive")
}

/// Nothing arrives for a while: for what must not happen, given time to happen.
async fn quiet<E: std::fmt::Debug>(events: &mut UnboundedReceiver<E>, time: Duration) {
    if let Ok(Some(event)) = tokio::time::timeout(time, events.recv()).await {
        panic!("unexpected {event:?}");
    }
}

/// Waits until `condition` holds (it asks the mock, so it is polled).
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + EVENT_LIMIT;
    while !condition() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn lovense_filter() -> DeviceFilter {
    let mut filter = DeviceFilter::default();
    filter.add_names(["LVS-*", "LOVE-*"]);
    filter.add_services([Uuid::from_u128(HUSH_SERVICE)]);
    filter.add_companies([LOVENSE_COMPANY]);
    filter
}

/// A manager on the mock's adapter.
fn manager(bluez: &Bluez) -> (BtleplugManager, UnboundedReceiver<ManagerEvent>) {
    bluez.ensure_adapter();
    let config = BtleplugConfig {
        filter: Some(lovense_filter()),
        reconnect: Some(RETRY),
        ..BtleplugConfig::default()
    };
    let (sink, events) = channel();
    (BtleplugManager::new(config, sink), events)
}

fn hush(address: &str) -> PeripheralSpec<'_> {
    PeripheralSpec {
        address,
        name: "LVS-Z36",
        advertised_services: &[HUSH_SERVICE],
        manufacturer_data: &[(LOVENSE_COMPANY, &HUSH_DATA)],
        gatt: &[(HUSH_SERVICE, &[HUSH_TX, HUSH_RX])],
    }
}

fn hush_advertisement() -> AdvertisementBuf {
    AdvertisementBuf::Btle {
        name: "LVS-Z36".into(),
        manufacturer_data: vec![(LOVENSE_COMPANY, HUSH_DATA.to_vec())],
        services: vec![Uuid::from_u128(HUSH_SERVICE)],
    }
}

/// The `btle` specifier's services as the server hands them over: two Lovense services, of
/// which the Hush has one.
fn lovense_services() -> Specialization {
    let table = |tx: u128, rx: u128| {
        BTreeMap::from([(Endpoint::Tx, Uuid::from_u128(tx)), (Endpoint::Rx, Uuid::from_u128(rx))])
    };
    Specialization::Btle {
        services: BTreeMap::from([
            (Uuid::from_u128(HUSH_SERVICE), table(HUSH_TX, HUSH_RX)),
            (
                Uuid::from_u128(OLD_LOVENSE_SERVICE),
                table(
                    0x0000_fff2_0000_1000_8000_0080_5f9b_34fb,
                    0x0000_fff1_0000_1000_8000_0080_5f9b_34fb,
                ),
            ),
        ]),
    }
}

/// The next report of the device `mac` that carries its full advertisement (BlueZ may signal the
/// device before its advertised data, and the manager reports the change). Reports of other
/// devices are passed over: the mock still has the peripherals of earlier scenarios, as BlueZ
/// remembers devices, and a new manager hears of them all when it starts.
async fn report_of(events: &mut UnboundedReceiver<ManagerEvent>, mac: &str) -> FoundDevice {
    let address = address_of(mac);
    loop {
        match next(events).await {
            ManagerEvent::Found(found) if found.address == address => {
                if found.advertisement == hush_advertisement() {
                    return found;
                }
                assert_eq!(found.name, "LVS-Z36", "an early report is of the same device");
            }
            ManagerEvent::Found(_) => {}
            ManagerEvent::ScanningFinished => panic!("the scan ended"),
        }
    }
}

/// Stops the scan and takes everything up to its end.
async fn stop(manager: &BtleplugManager, events: &mut UnboundedReceiver<ManagerEvent>) {
    manager.stop_scanning().await.expect("stop scanning");
    while !matches!(next(events).await, ManagerEvent::ScanningFinished) {}
}

/// A scan finds a new Hush at `mac`; the scan is over when this returns.
async fn discover(
    bluez: &'static Bluez,
    manager: &BtleplugManager,
    events: &mut UnboundedReceiver<ManagerEvent>,
    mac: &'static str,
) -> (MockPeripheral<'static>, FoundDevice) {
    manager.start_scanning().await.expect("start scanning");
    let device = bluez.add_peripheral(&hush(mac));
    let found = report_of(events, mac).await;
    stop(manager, events).await;
    (device, found)
}

async fn connect(found: FoundDevice) -> (Arc<dyn Hardware>, UnboundedReceiver<HardwareEvent>) {
    let (sink, events) = channel();
    let hardware = found.connector.connect(lovense_services(), sink).await.expect("connect");
    (hardware, events)
}

/// The address the manager gives the mock's device `mac`: btleplug's peripheral id as `Debug`
/// prints it, which is how the reference server's users' records name BLE devices.
fn address_of(mac: &str) -> String {
    format!(
        r#"PeripheralId(DeviceId {{ object_path: Path("/org/bluez/hci0/dev_{}\0") }})"#,
        mac.replace(':', "_")
    )
}

fn notification(endpoint: Endpoint, data: &[u8]) -> HardwareEvent {
    HardwareEvent::Notification { endpoint, data: data.to_vec() }
}

fn chain(err: &HwError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}

async fn no_adapter(_: &'static Bluez) {
    let (sink, mut events) = channel();
    let manager = BtleplugManager::new(BtleplugConfig::default(), sink);
    let err = manager.start_scanning().await.expect_err("there is no adapter yet");
    assert!(chain(&err).contains("No Bluetooth adapter"), "{}", chain(&err));
    assert!(matches!(next(&mut events).await, ManagerEvent::ScanningFinished));
}

async fn scan_reports(bluez: &'static Bluez) {
    const HEADPHONES: &str = "AA:BB:CC:00:02:01";
    const HUSH: &str = "AA:BB:CC:00:02:02";
    let (manager, mut events) = manager(bluez);
    manager.start_scanning().await.unwrap();
    let headphones = bluez.add_peripheral(&PeripheralSpec {
        address: HEADPHONES,
        name: "Headphones",
        advertised_services: &[0x0000_110b_0000_1000_8000_0080_5f9b_34fb],
        manufacturer_data: &[(6, &[1, 2])],
        gatt: &[],
    });
    let device = bluez.add_peripheral(&hush(HUSH));
    let found = report_of(&mut events, HUSH).await;
    assert_eq!(found.name, "LVS-Z36");

    // Hearing the same advertisement again reports nothing new, and the headphones never.
    device.advertise(-50);
    headphones.advertise(-50);
    manager.stop_scanning().await.unwrap();
    loop {
        match next(&mut events).await {
            ManagerEvent::ScanningFinished => break,
            ManagerEvent::Found(found) => {
                assert!(![HUSH, HEADPHONES].map(address_of).contains(&found.address), "{found:?}");
            }
        }
    }

    // A new scan reports it again when it hears it.
    manager.start_scanning().await.unwrap();
    device.advertise(-40);
    let again = report_of(&mut events, HUSH).await;
    assert_eq!(again.address, address_of(HUSH));
    stop(&manager, &mut events).await;
}

async fn moves_bytes(bluez: &'static Bluez) {
    let (manager, mut events) = manager(bluez);
    let (device, found) = discover(bluez, &manager, &mut events, "AA:BB:CC:00:03:01").await;
    let (hardware, mut hw_events) = connect(found).await;
    assert_eq!(hardware.endpoints(), [Endpoint::Rx, Endpoint::Tx]);
    let address = address_of("AA:BB:CC:00:03:01");
    assert_eq!((hardware.name(), hardware.address()), ("LVS-Z36", address.as_str()));

    hardware.write(Endpoint::Tx, b"DeviceType;", false).await.unwrap();
    hardware.write(Endpoint::Tx, b"Vibrate:10;", true).await.unwrap();
    let written =
        [(b"DeviceType;".to_vec(), "command".into()), (b"Vibrate:10;".to_vec(), "request".into())];
    assert_eq!(device.written(HUSH_TX), written);
    let unknown = hardware.write(Endpoint::Firmware, b"x", false).await;
    assert!(matches!(unknown, Err(HwError::NoEndpoint(Endpoint::Firmware))), "{unknown:?}");

    hardware.subscribe(Endpoint::Rx).await.unwrap();
    assert!(device.notifying(HUSH_RX));
    // A change of an endpoint nobody subscribed to is no notification; the `rx` one behind it
    // comes through, so the first did not.
    device.change_value(HUSH_TX, b"echo");
    device.change_value(HUSH_RX, b"Z:11:0082059AD3BD;");
    assert_eq!(next(&mut hw_events).await, notification(Endpoint::Rx, b"Z:11:0082059AD3BD;"));

    let timeout = Duration::from_secs(2);
    assert_eq!(hardware.read(Endpoint::Rx, 0, timeout).await.unwrap(), b"Z:11:0082059AD3BD;");
    assert_eq!(hardware.read(Endpoint::Rx, 2, timeout).await.unwrap(), b"Z:");
    hardware.unsubscribe(Endpoint::Rx).await.unwrap();
    assert!(!device.notifying(HUSH_RX));

    // A disconnect the server asks for is final: no reconnecting.
    hardware.disconnect().await.unwrap();
    assert_eq!(next(&mut hw_events).await, HardwareEvent::Disconnected);
    assert!(!device.connected());
    let after = hardware.write(Endpoint::Tx, b"Vibrate:0;", false).await;
    assert!(matches!(after, Err(HwError::Disconnected)), "{after:?}");
    quiet(&mut events, RETRY.first_delay * 10).await;
    assert_eq!(device.attempts(), 1);
}

async fn comes_back(bluez: &'static Bluez) {
    let (manager, mut events) = manager(bluez);
    let (device, found) = discover(bluez, &manager, &mut events, "AA:BB:CC:00:04:01").await;
    let (hardware, mut hw_events) = connect(found).await;
    hardware.subscribe(Endpoint::Rx).await.unwrap();

    device.walk_away();
    assert_eq!(next(&mut hw_events).await, HardwareEvent::Disconnected);
    let started = Instant::now();
    let write = hardware.write(Endpoint::Tx, b"Vibrate:5;", false).await;
    assert!(matches!(write, Err(HwError::Disconnected)), "{write:?}");
    let read = hardware.read(Endpoint::Rx, 0, Duration::from_secs(5)).await;
    assert!(matches!(read, Err(HwError::Disconnected)), "{read:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "failing took {:?}", started.elapsed());

    // The manager keeps trying while the device is away, and reports it once it answers,
    // outside any scan, as it was first found.
    eventually("two reconnect attempts", || device.attempts() >= 3).await;
    device.come_back();
    let ManagerEvent::Found(back) = next(&mut events).await else { panic!("not a report") };
    assert_eq!((back.name.as_str(), &back.address), ("LVS-Z36", &address_of("AA:BB:CC:00:04:01")));
    assert_eq!(back.advertisement, hush_advertisement());

    let (again, mut again_events) = connect(back).await;
    again.write(Endpoint::Tx, b"Vibrate:5;", false).await.unwrap();
    assert_eq!(device.written(HUSH_TX), [(b"Vibrate:5;".to_vec(), "command".to_owned())]);
    again.subscribe(Endpoint::Rx).await.unwrap();
    device.change_value(HUSH_RX, b"OK;");
    assert_eq!(next(&mut again_events).await, notification(Endpoint::Rx, b"OK;"));
    // The old connection stays dead, and heard nothing of the new one.
    let old = hardware.write(Endpoint::Tx, b"Vibrate:1;", false).await;
    assert!(matches!(old, Err(HwError::Disconnected)), "{old:?}");
    assert!(hw_events.try_recv().is_err());
    // Letting go of the old connection leaves the new one alone.
    hardware.disconnect().await.unwrap();
    again.write(Endpoint::Tx, b"Vibrate:6;", false).await.unwrap();
    assert!(again_events.try_recv().is_err());
    again.disconnect().await.unwrap();
    assert_eq!(next(&mut again_events).await, HardwareEvent::Disconnected);
}

async fn let_go(bluez: &'static Bluez) {
    let (manager, mut events) = manager(bluez);
    let (device, found) = discover(bluez, &manager, &mut events, "AA:BB:CC:00:05:01").await;
    let (_hardware, mut hw_events) = connect(found).await;
    device.walk_away();
    assert_eq!(next(&mut hw_events).await, HardwareEvent::Disconnected);
    device.come_back();
    let ManagerEvent::Found(back) = next(&mut events).await else { panic!("not a report") };
    assert!(device.connected());
    let attempts = device.attempts();
    // The server does not take it (a deny list, say): the link it did not ask for is closed,
    // and the manager stops bringing it back.
    drop(back);
    eventually("the unused link is closed", || !device.connected()).await;
    quiet(&mut events, RETRY.first_delay * 10).await;
    assert_eq!(device.attempts(), attempts);
}
