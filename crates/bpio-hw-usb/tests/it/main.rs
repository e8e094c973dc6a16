//! The USB backend above its platform layer, with a fake platform that records control
//! transfers and can unplug and plug back its devices; the rez-trancevibrator protocol driving
//! it; and the nusb layer itself as far as a machine without USB devices of its own allows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bpio_device_config::DeviceConfig;
use bpio_device_protocols::{DeviceInfo, ProtocolDevice, Step};
use bpio_hardware::sim;
use bpio_hardware::{
    AdvertisementBuf, ControlOut, Endpoint, FoundDevice, Hardware, HardwareEvent, HardwareManager,
    HwError, ManagerEvent, Specialization, Transport, UsbId,
};
use bpio_hw_usb::{
    CONTROL_TIMEOUT, Hotplug, HotplugReport, Nusb, PlatformError, TransferError, UsbDeviceInfo,
    UsbError, UsbHandle, UsbManager, UsbPlatform,
};
use bpio_protocol::v4::{OutputCommand, OutputType};
use tokio::sync::mpsc::UnboundedReceiver;

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

const TRANCEVIBRATOR: UsbId = UsbId { vendor_id: 0x0b49, product_id: 0x064f };

/// One fake device: plugged in or not, and the transfers it received while open.
#[derive(Debug)]
struct DeviceState {
    info: UsbDeviceInfo,
    plugged: bool,
    /// Set: every transfer fails with this (the device is there but refuses).
    refuse: Option<&'static str>,
    transfers: Vec<(ControlOut, Duration)>,
    open_handles: usize,
}

type Shared = Arc<Mutex<DeviceState>>;

#[derive(Default)]
struct FakePlatform {
    devices: Mutex<Vec<Shared>>,
    report: Mutex<Option<HotplugReport>>,
    enumeration_fails: bool,
    watch_fails: AtomicBool,
}

impl FakePlatform {
    fn add(&self, info: UsbDeviceInfo) -> Shared {
        let state = Arc::new(Mutex::new(DeviceState {
            info,
            plugged: true,
            refuse: None,
            transfers: Vec::new(),
            open_handles: 0,
        }));
        self.devices.lock().unwrap().push(Arc::clone(&state));
        state
    }

    /// Unplugs the device and tells the watcher, as the platform does.
    fn unplug(&self, device: &Shared) {
        let location = {
            let mut state = device.lock().unwrap();
            state.plugged = false;
            state.info.location.clone()
        };
        self.tell(Hotplug::Removed { location });
    }

    /// Plugs the device back in the same port and tells the watcher.
    fn plug(&self, device: &Shared) {
        let info = {
            let mut state = device.lock().unwrap();
            state.plugged = true;
            state.info.clone()
        };
        self.tell(Hotplug::Arrived(info));
    }

    fn tell(&self, event: Hotplug) {
        let report = self.report.lock().unwrap();
        let report = report.as_ref().expect("the manager watches");
        assert!(report(event), "the manager listens");
    }

    fn watching(&self) -> bool {
        self.report.lock().unwrap().is_some()
    }
}

impl UsbPlatform for FakePlatform {
    fn enumerate(&self) -> Result<Vec<UsbDeviceInfo>, PlatformError> {
        if self.enumeration_fails {
            return Err("the platform has no USB support".into());
        }
        let devices = self.devices.lock().unwrap();
        let plugged = devices.iter().map(|device| device.lock().unwrap());
        Ok(plugged.filter(|state| state.plugged).map(|state| state.info.clone()).collect())
    }

    fn open(&self, location: &str) -> Result<Arc<dyn UsbHandle>, PlatformError> {
        let devices = self.devices.lock().unwrap();
        let device = devices
            .iter()
            .find(|device| {
                let state = device.lock().unwrap();
                state.plugged && state.info.location == location
            })
            .ok_or("no such device")?;
        device.lock().unwrap().open_handles += 1;
        Ok(Arc::new(FakeHandle(Arc::clone(device))))
    }

    fn watch(&self, report: HotplugReport) -> Result<(), PlatformError> {
        if self.watch_fails.load(Ordering::Relaxed) {
            return Err("no hot-plug events here".into());
        }
        *self.report.lock().unwrap() = Some(report);
        Ok(())
    }
}

struct FakeHandle(Shared);

#[async_trait]
impl UsbHandle for FakeHandle {
    async fn control_out(
        &self,
        transfer: &ControlOut,
        timeout: Duration,
    ) -> Result<(), TransferError> {
        let mut state = self.0.lock().unwrap();
        if !state.plugged {
            return Err(TransferError::Disconnected);
        }
        if let Some(reason) = state.refuse {
            return Err(TransferError::Failed(reason.into()));
        }
        state.transfers.push((transfer.clone(), timeout));
        Ok(())
    }
}

impl Drop for FakeHandle {
    fn drop(&mut self) {
        self.0.lock().unwrap().open_handles -= 1;
    }
}

fn info(location: &str, id: UsbId, product: Option<&str>, serial: Option<&str>) -> UsbDeviceInfo {
    UsbDeviceInfo {
        location: location.to_owned(),
        vendor_id: id.vendor_id,
        product_id: id.product_id,
        product: product.map(str::to_owned),
        serial_number: serial.map(str::to_owned),
    }
}

fn trancevibrator(location: &str) -> UsbDeviceInfo {
    info(location, TRANCEVIBRATOR, Some("TranceVibrator"), None)
}

/// A manager over `platform` for the trancevibrator's ids, and its events.
fn usb_manager(platform: &Arc<FakePlatform>) -> (UsbManager, UnboundedReceiver<ManagerEvent>) {
    let (sink, events) = sim::channel();
    let platform: Arc<dyn UsbPlatform> = Arc::clone(platform) as _;
    let manager = UsbManager::with_platform(sink, [TRANCEVIBRATOR, TRANCEVIBRATOR], platform);
    assert_eq!(manager.name(), "usb");
    (manager, events)
}

/// Scans once: the found devices, up to the end of the scan.
async fn scan(
    manager: &UsbManager,
    events: &mut UnboundedReceiver<ManagerEvent>,
) -> Vec<FoundDevice> {
    manager.start_scanning().await.unwrap();
    manager.stop_scanning().await.unwrap();
    let mut found = Vec::new();
    loop {
        match within("the scan", events.recv()).await.unwrap() {
            ManagerEvent::Found(device) => found.push(device),
            ManagerEvent::ScanningFinished => return found,
        }
    }
}

async fn connect(found: FoundDevice) -> (Arc<dyn Hardware>, UnboundedReceiver<HardwareEvent>) {
    let (sink, events) = sim::channel();
    let hardware = found.connector.connect(Specialization::Fixed, sink).await.unwrap();
    (hardware, events)
}

/// A platform with one trancevibrator at `1-2`, scanned and connected.
struct Bench {
    platform: Arc<FakePlatform>,
    device: Shared,
    manager: UsbManager,
    manager_events: UnboundedReceiver<ManagerEvent>,
    hardware: Arc<dyn Hardware>,
    events: UnboundedReceiver<HardwareEvent>,
}

async fn bench() -> Bench {
    let platform = Arc::new(FakePlatform::default());
    let device = platform.add(trancevibrator("1-2"));
    let (manager, mut manager_events) = usb_manager(&platform);
    let mut found = scan(&manager, &mut manager_events).await;
    assert_eq!(found.len(), 1);
    let (hardware, events) = connect(found.remove(0)).await;
    Bench { platform, device, manager, manager_events, hardware, events }
}

async fn next_event(events: &mut UnboundedReceiver<HardwareEvent>) -> HardwareEvent {
    within("a hardware event", events.recv()).await.expect("the event channel ended")
}

fn transfers(device: &Shared) -> Vec<(ControlOut, Duration)> {
    device.lock().unwrap().transfers.clone()
}

#[tokio::test]
async fn a_scan_reports_the_devices_the_database_names_by_serial_number_or_location() {
    let platform = Arc::new(FakePlatform::default());
    platform.add(trancevibrator("1-2"));
    platform.add(info("3-1.4", TRANCEVIBRATOR, None, Some("TV-0042")));
    platform.add(info("1-3", TRANCEVIBRATOR, Some("Second"), Some("")));
    // A mouse: no `usb` specifier names it.
    platform.add(info("1-4", UsbId { vendor_id: 0x046d, product_id: 0xc52b }, None, None));
    let (manager, mut events) = usb_manager(&platform);
    let found = scan(&manager, &mut events).await;
    let seen: Vec<(&str, &str, &AdvertisementBuf)> = found
        .iter()
        .map(|device| (device.name.as_str(), device.address.as_str(), &device.advertisement))
        .collect();
    let usb = AdvertisementBuf::Usb(TRANCEVIBRATOR);
    assert_eq!(
        seen,
        [
            ("TranceVibrator", "1-2", &usb),
            ("USB device 0b49:064f", "TV-0042", &usb),
            ("Second", "1-3", &usb),
        ]
    );
    assert!(platform.watching(), "the first scan starts watching for arrivals and removals");
}

#[tokio::test]
async fn a_failed_enumeration_or_watch_still_ends_the_scan_and_the_next_scan_retries() {
    let platform = Arc::new(FakePlatform { enumeration_fails: true, ..FakePlatform::default() });
    let (manager, mut events) = usb_manager(&platform);
    assert!(scan(&manager, &mut events).await.is_empty());

    let platform =
        Arc::new(FakePlatform { watch_fails: AtomicBool::new(true), ..FakePlatform::default() });
    platform.add(trancevibrator("1-2"));
    let (manager, mut events) = usb_manager(&platform);
    assert_eq!(scan(&manager, &mut events).await.len(), 1);
    assert!(!platform.watching());
    platform.watch_fails.store(false, Ordering::Relaxed);
    assert_eq!(scan(&manager, &mut events).await.len(), 1);
    assert!(platform.watching(), "the next scan asked again");
}

#[tokio::test]
async fn speeds_from_the_protocol_become_vendor_control_transfers() {
    let mut bench = bench().await;
    assert_eq!(
        (bench.hardware.name(), bench.hardware.address(), bench.hardware.endpoints()),
        ("TranceVibrator", "1-2", &[Endpoint::TxVendorControl][..])
    );
    assert_eq!(bench.device.lock().unwrap().open_handles, 1);

    // The protocol, as the server runs it for this device.
    let config = DeviceConfig::embedded().unwrap();
    let resolved = config.resolve(bench.hardware.address(), "rez-trancevibrator", None).unwrap();
    let endpoints = bench.hardware.endpoints().to_vec();
    let info =
        DeviceInfo { endpoints: &endpoints, ..DeviceInfo::new("TranceVibrator", Transport::Usb) };
    let mut protocol = ProtocolDevice::new("rez-trancevibrator", &info).unwrap();
    assert_eq!(protocol.poll_step().unwrap(), Step::Done, "no identification exchange");
    protocol.configure(resolved.definition).unwrap();
    assert_eq!(protocol.poll_step().unwrap(), Step::Done, "no init exchange");
    let mut sent = Vec::new();
    for speed in [128, 255, 1] {
        let output = protocol.client_output(0, &OutputCommand::new(OutputType::Vibrate, speed, 0));
        let commands = protocol.handle_outputs(&[(0, output.unwrap())]).unwrap();
        sent.extend(commands);
    }
    sent.extend(protocol.handle_stop(&protocol.stop_outputs(None)).unwrap());
    for command in &sent {
        assert_eq!(bench.hardware.execute(command).await.unwrap(), None);
    }

    let speed =
        |value| ControlOut { request_type: 0x41, request: 1, value, index: 0, data: vec![] };
    assert_eq!(
        transfers(&bench.device),
        [128, 255, 1, 0].map(|value| (speed(value), CONTROL_TIMEOUT))
    );
    assert!(bench.events.try_recv().is_err(), "no event while the device is fine");
    assert!(bench.manager_events.try_recv().is_err());
}

#[tokio::test]
async fn other_endpoints_reads_and_bytes_that_are_no_transfer_are_refused() {
    let bench = bench().await;
    let hardware = &bench.hardware;
    assert!(matches!(
        hardware.write(Endpoint::Tx, &[0x41, 1, 9, 0, 0, 0], false).await,
        Err(HwError::NoEndpoint(Endpoint::Tx))
    ));
    match hardware.write(Endpoint::TxVendorControl, &[9], false).await {
        Err(HwError::Backend(err)) => {
            let err = err.downcast::<UsbError>().unwrap();
            assert!(matches!(*err, UsbError::NotAControlTransfer(_)), "{err:?}");
            assert_eq!(
                err.source().unwrap().to_string(),
                "a control transfer needs 6 setup bytes, got 1"
            );
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
    let timeout = Duration::from_secs(1);
    assert!(matches!(
        hardware.read(Endpoint::TxVendorControl, 0, timeout).await,
        Err(HwError::Unsupported(_))
    ));
    assert!(matches!(
        hardware.subscribe(Endpoint::TxVendorControl).await,
        Err(HwError::Unsupported(_))
    ));
    assert!(matches!(
        hardware.subscribe(Endpoint::Rx).await,
        Err(HwError::NoEndpoint(Endpoint::Rx))
    ));
    assert!(transfers(&bench.device).is_empty(), "nothing reached the device");
}

#[tokio::test]
async fn a_failing_transfer_is_a_clear_backend_error_and_the_device_stays() {
    let mut bench = bench().await;
    bench.device.lock().unwrap().refuse = Some("the pipe stalled");
    let stop = ControlOut { request_type: 0x41, request: 1, value: 0, index: 0, data: vec![] };
    match bench.hardware.execute(&stop.command()).await {
        Err(HwError::Backend(err)) => {
            assert_eq!(
                err.to_string(),
                "the USB control transfer (request type 0x41, request 0x01) failed"
            );
            assert_eq!(err.source().unwrap().to_string(), "the pipe stalled");
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
    assert!(bench.events.try_recv().is_err(), "a refused transfer is no disconnect");
    bench.device.lock().unwrap().refuse = None;
    bench.hardware.execute(&stop.command()).await.unwrap();
    assert_eq!(transfers(&bench.device).len(), 1);
}

#[tokio::test]
async fn unplugging_is_one_disconnect_and_plugging_back_finds_it_under_the_same_address() {
    let mut bench = bench().await;
    bench.platform.unplug(&bench.device);
    assert_eq!(next_event(&mut bench.events).await, HardwareEvent::Disconnected);
    let speed = ControlOut { request_type: 0x41, request: 1, value: 9, index: 0, data: vec![] };
    assert!(matches!(bench.hardware.execute(&speed.command()).await, Err(HwError::Disconnected)));
    // A second removal report (platforms may repeat one) changes nothing.
    bench.platform.unplug(&bench.device);
    drop(bench.hardware);
    assert_eq!(bench.device.lock().unwrap().open_handles, 0, "the handle is closed");
    assert_eq!(bench.events.recv().await, None, "exactly one disconnect, then the end");

    // Back in the same port: found at once, outside any scan, under the same address.
    bench.platform.plug(&bench.device);
    let found = match within("the device again", bench.manager_events.recv()).await.unwrap() {
        ManagerEvent::Found(found) => found,
        other => panic!("expected the device found again, got {other:?}"),
    };
    assert_eq!(
        (found.address.as_str(), &found.advertisement),
        ("1-2", &AdvertisementBuf::Usb(TRANCEVIBRATOR))
    );
    let (hardware, mut events) = connect(found).await;
    hardware.execute(&speed.command()).await.unwrap();
    assert_eq!(transfers(&bench.device), [(speed, CONTROL_TIMEOUT)]);

    // Plugged in again while still connected: reported once only.
    bench.platform.plug(&bench.device);
    assert!(bench.manager_events.try_recv().is_err());
    assert!(events.try_recv().is_err());
    // And a scan lists it under the same address too.
    let found = scan(&bench.manager, &mut bench.manager_events).await;
    assert_eq!(found.iter().map(|device| device.address.as_str()).collect::<Vec<_>>(), ["1-2"]);
}

#[tokio::test]
async fn a_transfer_to_a_device_already_gone_is_the_disconnect_when_no_removal_was_reported() {
    let mut bench = bench().await;
    // Gone without a hot-plug report (a platform that cannot watch).
    bench.device.lock().unwrap().plugged = false;
    let speed = ControlOut { request_type: 0x41, request: 1, value: 9, index: 0, data: vec![] };
    assert!(matches!(bench.hardware.execute(&speed.command()).await, Err(HwError::Disconnected)));
    assert_eq!(next_event(&mut bench.events).await, HardwareEvent::Disconnected);
    bench.platform.unplug(&bench.device);
    bench.platform.plug(&bench.device);
    assert!(matches!(
        within("the device again", bench.manager_events.recv()).await.unwrap(),
        ManagerEvent::Found(found) if found.address == "1-2"
    ));
    drop(bench.hardware);
    assert_eq!(bench.events.recv().await, None, "exactly one disconnect");
}

#[tokio::test]
async fn a_device_the_server_let_go_is_closed_and_not_found_again_on_its_own() {
    let mut bench = bench().await;
    bench.hardware.disconnect().await.unwrap();
    assert_eq!(next_event(&mut bench.events).await, HardwareEvent::Disconnected);
    assert_eq!(bench.device.lock().unwrap().open_handles, 0, "the handle is closed");
    let stop = ControlOut { request_type: 0x41, request: 1, value: 0, index: 0, data: vec![] };
    assert!(matches!(bench.hardware.execute(&stop.command()).await, Err(HwError::Disconnected)));
    bench.platform.unplug(&bench.device);
    bench.platform.plug(&bench.device);
    assert!(bench.manager_events.try_recv().is_err());
    assert!(bench.events.try_recv().is_err());
}

#[tokio::test]
async fn a_device_that_cannot_be_opened_gives_the_platform_reason() {
    let platform = Arc::new(FakePlatform::default());
    let device = platform.add(trancevibrator("1-2"));
    let (manager, mut events) = usb_manager(&platform);
    let found = scan(&manager, &mut events).await.remove(0);
    device.lock().unwrap().plugged = false;
    let (sink, _events) = sim::channel();
    match found.connector.connect(Specialization::Fixed, sink).await {
        Err(HwError::Backend(err)) => assert_eq!(err.to_string(), "no such device"),
        other => panic!("expected a backend error, got {other:?}"),
    }
}

#[tokio::test]
async fn serial_port_settings_do_not_fit_a_usb_device() {
    let platform = Arc::new(FakePlatform::default());
    platform.add(trancevibrator("1-2"));
    let (manager, mut events) = usb_manager(&platform);
    let found = scan(&manager, &mut events).await.remove(0);
    let (sink, _events) = sim::channel();
    let settings = bpio_hardware::SerialSettings {
        baud_rate: 9600,
        data_bits: 8,
        parity: bpio_hardware::Parity::None,
        stop_bits: 1,
    };
    assert!(matches!(
        found.connector.connect(Specialization::Serial(settings), sink).await,
        Err(HwError::WrongSpecialization)
    ));
}

#[tokio::test]
async fn a_manager_that_is_gone_stops_the_watch() {
    let platform = Arc::new(FakePlatform::default());
    let device = platform.add(trancevibrator("1-2"));
    let (manager, mut events) = usb_manager(&platform);
    scan(&manager, &mut events).await;
    drop(manager);
    let report = platform.report.lock().unwrap().take().unwrap();
    assert!(!report(Hotplug::Arrived(device.lock().unwrap().info.clone())));
}

/// The real nusb layer, as far as this machine allows: enumeration answers (whatever it lists),
/// watching starts, and opening a location where nothing is plugged in fails with a reason.
#[test]
fn nusb_enumerates_watches_and_refuses_a_missing_device() {
    let nusb = Nusb;
    let devices = nusb.enumerate().unwrap();
    assert!(devices.iter().all(|device| !device.location.is_empty()), "{devices:?}");
    let err = nusb.open("bpio-no-such-bus-9").err().expect("nothing is there");
    assert!(!err.to_string().is_empty());
    // The watcher's thread ends at the first event, which this report refuses.
    nusb.watch(Box::new(|_| false)).unwrap();
}
