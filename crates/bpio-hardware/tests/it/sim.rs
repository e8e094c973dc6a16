use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bpio_hardware::sim::{self, Firmware, SimDevice, SimHandle, SimulatedManager};
use bpio_hardware::{
    AdvertisementBuf, Endpoint, Hardware, HardwareCommand, HardwareEvent, HardwareManager, HwError,
    ManagerEvent, Specialization, Uuid,
};
use tokio::sync::mpsc::UnboundedReceiver;

const TIMEOUT: Duration = Duration::from_millis(500);

fn uuid(text: &str) -> Uuid {
    text.parse().unwrap()
}

/// The `services` table the device config resolves for Lovense (two of its services).
fn lovense_services() -> Specialization {
    let mut services = BTreeMap::new();
    for (service, tx, rx) in [
        (
            "5a300001-0023-4bd4-bbd5-a6920e4c5653",
            "5a300002-0023-4bd4-bbd5-a6920e4c5653",
            "5a300003-0023-4bd4-bbd5-a6920e4c5653",
        ),
        (
            "50300001-0023-4bd4-bbd5-a6920e4c5653",
            "50300002-0023-4bd4-bbd5-a6920e4c5653",
            "50300003-0023-4bd4-bbd5-a6920e4c5653",
        ),
        (
            "6e400001-b5a3-f393-e0a9-e50e24dcca9e",
            "6e400002-b5a3-f393-e0a9-e50e24dcca9e",
            "6e400003-b5a3-f393-e0a9-e50e24dcca9e",
        ),
    ] {
        services.insert(
            uuid(service),
            BTreeMap::from([(Endpoint::Tx, uuid(tx)), (Endpoint::Rx, uuid(rx))]),
        );
    }
    Specialization::Btle { services }
}

struct Connected<F> {
    handle: SimHandle<F>,
    hardware: Arc<dyn Hardware>,
    events: UnboundedReceiver<HardwareEvent>,
}

/// Adds `device` to a manager that records, scans, and connects what the scan found.
async fn connect<F: Firmware>(
    device: SimDevice<F>,
    specialization: Specialization,
) -> Connected<F> {
    connect_with(|sink| SimulatedManager::new(sink).recording(), device, specialization).await
}

/// Adds `device` to the manager `manager` builds, scans, and connects what the scan found.
async fn connect_with<F: Firmware>(
    manager: impl FnOnce(bpio_hardware::EventSink<ManagerEvent>) -> SimulatedManager,
    device: SimDevice<F>,
    specialization: Specialization,
) -> Connected<F> {
    let (sink, mut found) = sim::channel();
    let manager = manager(sink);
    let handle = manager.add(device);
    manager.start_scanning().await.unwrap();
    let Some(ManagerEvent::Found(device)) = found.recv().await else { panic!("nothing found") };
    assert!(matches!(found.recv().await, Some(ManagerEvent::ScanningFinished)));
    let (events, receiver) = sim::channel();
    let hardware = device.connector.connect(specialization, events).await.unwrap();
    Connected { handle, hardware, events: receiver }
}

fn text(data: &[u8]) -> &str {
    std::str::from_utf8(data).unwrap()
}

async fn next_notification(events: &mut UnboundedReceiver<HardwareEvent>) -> (Endpoint, String) {
    match events.recv().await {
        Some(HardwareEvent::Notification { endpoint, data }) => (endpoint, text(&data).to_owned()),
        other => panic!("expected a notification, got {other:?}"),
    }
}

#[tokio::test]
async fn hush_answers_device_type_and_battery_on_rx_once_subscribed() {
    let mut hush = connect(sim::lovense_hush("hush-1"), lovense_services()).await;
    assert_eq!(hush.hardware.endpoints(), [Endpoint::Rx, Endpoint::Tx]);
    hush.hardware.write(Endpoint::Tx, b"DeviceType;", false).await.unwrap();
    assert!(hush.events.try_recv().is_err(), "no notification before subscribing");
    hush.hardware.subscribe(Endpoint::Rx).await.unwrap();
    hush.hardware.write(Endpoint::Tx, b"DeviceType;", false).await.unwrap();
    assert_eq!(
        next_notification(&mut hush.events).await,
        (Endpoint::Rx, "Z:11:0082059AD3BD;".into())
    );
    hush.handle.update(|firmware| {
        firmware.set_battery(64);
        Vec::new()
    });
    hush.hardware.write(Endpoint::Tx, b"Battery;", false).await.unwrap();
    assert_eq!(next_notification(&mut hush.events).await.1, "64;");
    hush.hardware.write(Endpoint::Tx, b"Vibrate:12;", false).await.unwrap();
    assert_eq!(next_notification(&mut hush.events).await.1, "OK;");
    hush.hardware.write(Endpoint::Tx, b"Vibrate:21;", false).await.unwrap();
    assert_eq!(next_notification(&mut hush.events).await.1, "ERR;");
    assert_eq!(hush.handle.firmware(|f| f.motors().to_vec()), [12]);
    assert_eq!(
        hush.handle.received(),
        [
            HardwareCommand::write(Endpoint::Tx, "DeviceType;"),
            HardwareCommand::subscribe(Endpoint::Rx),
            HardwareCommand::write(Endpoint::Tx, "DeviceType;"),
            HardwareCommand::write(Endpoint::Tx, "Battery;"),
            HardwareCommand::write(Endpoint::Tx, "Vibrate:12;"),
            HardwareCommand::write(Endpoint::Tx, "Vibrate:21;"),
        ]
    );
}

#[tokio::test]
async fn edge_drives_each_motor_or_both() {
    let edge = connect(sim::lovense_edge("edge-1"), lovense_services()).await;
    edge.hardware.write(Endpoint::Tx, b"Vibrate1:5;", false).await.unwrap();
    assert_eq!(edge.handle.firmware(|f| f.motors().to_vec()), [5, 0]);
    edge.hardware.write(Endpoint::Tx, b"Vibrate2:15;", false).await.unwrap();
    assert_eq!(edge.handle.firmware(|f| f.motors().to_vec()), [5, 15]);
    edge.hardware.write(Endpoint::Tx, b"Vibrate:0;", false).await.unwrap();
    assert_eq!(edge.handle.firmware(|f| f.motors().to_vec()), [0, 0]);
    assert_eq!(edge.handle.writes().len(), 3);
}

#[tokio::test]
async fn nora_rotates_and_changes_direction() {
    let nora = connect(sim::lovense_nora("nora-1"), lovense_services()).await;
    nora.hardware.write(Endpoint::Tx, b"Rotate:10;", false).await.unwrap();
    assert_eq!(nora.handle.firmware(|f| f.rotation()), 10, "the firmware starts clockwise");
    nora.hardware.write(Endpoint::Tx, b"RotateChange;Rotate:20;", false).await.unwrap();
    assert_eq!(nora.handle.firmware(|f| f.rotation()), -20);
}

#[tokio::test]
async fn tcode_stroker_parses_lines_across_writes_and_identifies() {
    let serial = Specialization::Fixed;
    let mut stroker = connect(sim::tcode_stroker("/dev/ttyUSB0"), serial).await;
    stroker.hardware.write(Endpoint::Tx, b"L0500I2", false).await.unwrap();
    assert_eq!(stroker.handle.firmware(|f| f.lines().len()), 0, "no complete line yet");
    stroker.hardware.write(Endpoint::Tx, b"00\nV199\n", false).await.unwrap();
    let axis = stroker.handle.firmware(|f| f.axis("L0")).unwrap();
    assert_eq!((axis.level, axis.interval_ms), (5000, Some(200)));
    assert_eq!(stroker.handle.firmware(|f| f.axis("V1")).unwrap().level, 9900);
    stroker.hardware.write(Endpoint::Tx, b"D1\n", false).await.unwrap();
    assert_eq!(next_notification(&mut stroker.events).await, (Endpoint::Rx, "TCode v0.3\n".into()));
}

/// Issue 25: `--simulate` runs for hours, so a device keeps no history unless a test asks.
#[tokio::test]
async fn r25_a_device_of_a_manager_that_does_not_record_keeps_no_history() {
    let edge =
        connect_with(SimulatedManager::new, sim::lovense_edge("edge-2"), lovense_services()).await;
    for level in 0..1000_u32 {
        let command = format!("Vibrate1:{};", level % 20);
        edge.hardware.write(Endpoint::Tx, command.as_bytes(), false).await.unwrap();
    }
    assert_eq!(edge.handle.firmware(|f| f.motors().to_vec()), [999 % 20, 0], "the device works");
    assert!(edge.handle.received().is_empty());
    assert!(edge.handle.timed_writes().is_empty());

    let stroker = connect_with(
        SimulatedManager::new,
        sim::tcode_stroker("/dev/ttyUSB1"),
        Specialization::Fixed,
    )
    .await;
    for level in 0..1000_u32 {
        let line = format!("L0{:04}\n", level % 10_000);
        stroker.hardware.write(Endpoint::Tx, line.as_bytes(), false).await.unwrap();
    }
    let lines = stroker.handle.firmware(|f| f.lines().to_vec());
    assert_eq!(lines.len(), 64, "the firmware keeps a bounded look back");
    assert_eq!(lines.last().map(String::as_str), Some("L00999"));
}

#[tokio::test]
async fn sensor_reads_and_streams_pressure_and_button_while_subscribed() {
    let mut sensor = connect(sim::sensor("sensor-1"), Specialization::Fixed).await;
    sensor.handle.update(|f| f.set_pressure(1830));
    assert!(sensor.events.try_recv().is_err(), "not subscribed yet");
    let read = sensor.hardware.read(Endpoint::RxPressure, 4, TIMEOUT).await.unwrap();
    assert_eq!(read, 1830_u32.to_le_bytes());
    sensor.hardware.subscribe(Endpoint::RxPressure).await.unwrap();
    sensor.hardware.subscribe(Endpoint::RxTouch).await.unwrap();
    sensor.handle.update(|f| f.set_pressure(2000));
    sensor.handle.update(|f| f.set_button(true));
    assert_eq!(
        sensor.events.recv().await,
        Some(HardwareEvent::Notification {
            endpoint: Endpoint::RxPressure,
            data: 2000_u32.to_le_bytes().to_vec()
        })
    );
    assert_eq!(
        sensor.events.recv().await,
        Some(HardwareEvent::Notification { endpoint: Endpoint::RxTouch, data: vec![1] })
    );
    sensor.hardware.unsubscribe(Endpoint::RxTouch).await.unwrap();
    sensor.handle.update(|f| f.set_button(false));
    assert!(sensor.events.try_recv().is_err());
    sensor.hardware.write(Endpoint::Tx, &[2, 1, 100, 0, 0, 0, 0, 0, 0, 0], false).await.unwrap();
    assert_eq!(sensor.handle.firmware(|f| f.output(2)).map(|o| (o.code, o.value)), Some((1, 100)));
}

#[tokio::test]
async fn a_dropped_device_reports_disconnect_and_refuses_commands() {
    let mut hush = connect(sim::lovense_hush("hush-2"), lovense_services()).await;
    hush.handle.drop_connection();
    assert_eq!(hush.events.recv().await, Some(HardwareEvent::Disconnected));
    assert!(!hush.handle.is_connected());
    let error = hush.hardware.write(Endpoint::Tx, b"Vibrate:1;", false).await.unwrap_err();
    assert!(matches!(error, HwError::Disconnected));
}

#[tokio::test]
async fn ble_connect_needs_a_known_service_and_scans_skip_connected_devices() {
    let (sink, mut found) = sim::channel();
    let manager = SimulatedManager::new(sink);
    let _hush = manager.add(sim::lovense_hush("hush-3"));
    manager.start_scanning().await.unwrap();
    let Some(ManagerEvent::Found(device)) = found.recv().await else { panic!() };
    assert!(
        matches!(device.advertisement, AdvertisementBuf::Btle { ref name, .. } if name == "LVS-Z36")
    );
    let (events, _receiver) = sim::channel();
    let wrong = Specialization::Btle { services: BTreeMap::new() };
    assert!(matches!(device.connector.connect(wrong, events).await, Err(HwError::NoEndpoints)));
    // The connector is consumed; scan again and connect properly.
    let _ = found.recv().await;
    manager.start_scanning().await.unwrap();
    let Some(ManagerEvent::Found(device)) = found.recv().await else { panic!() };
    let (events, _receiver) = sim::channel();
    device.connector.connect(lovense_services(), events).await.unwrap();
    let _ = found.recv().await;
    manager.start_scanning().await.unwrap();
    assert!(
        matches!(found.recv().await, Some(ManagerEvent::ScanningFinished)),
        "connected devices are not reported"
    );
}

#[tokio::test(start_paused = true)]
async fn latency_uses_tokio_time() {
    let (sink, mut found) = sim::channel();
    let manager = SimulatedManager::new(sink).with_latency(Duration::from_millis(40));
    let _handle = manager.add(sim::simulated("simulated-1vibe", "sim-1"));
    manager.start_scanning().await.unwrap();
    let Some(ManagerEvent::Found(device)) = found.recv().await else { panic!() };
    let (events, _receiver) = sim::channel();
    let hardware = device.connector.connect(Specialization::Fixed, events).await.unwrap();
    let start = tokio::time::Instant::now();
    hardware.write(Endpoint::Tx, &[0, 1, 5, 0, 0, 0, 0, 0, 0, 0], false).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(40));
}
