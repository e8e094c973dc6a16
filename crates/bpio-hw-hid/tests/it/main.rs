//! The HID backend above its platform layer, with a fake platform whose devices run simulated
//! firmware; and the hidapi layer itself as far as a machine without HID devices allows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bpio_hardware::sim::{self, Firmware, LovenseFirmware};
use bpio_hardware::{
    AdvertisementBuf, Endpoint, FoundDevice, Hardware, HardwareEvent, HardwareManager, HwError,
    ManagerEvent, Specialization, UsbId,
};
use bpio_hw_hid::{HidDeviceInfo, HidHandle, HidManager, HidPlatform, Hidapi, PlatformError};
use tokio::sync::mpsc::UnboundedReceiver;

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// One fake device: what it received, the input reports it has waiting, and whether it is
/// plugged in and open.
#[derive(Debug)]
struct DeviceState {
    firmware: LovenseFirmware,
    written: Vec<Vec<u8>>,
    input: VecDeque<Vec<u8>>,
    removed: bool,
    open: bool,
}

type Shared = Arc<Mutex<DeviceState>>;

#[derive(Default)]
struct FakePlatform {
    devices: Mutex<Vec<(HidDeviceInfo, Shared)>>,
    enumeration_fails: bool,
}

impl FakePlatform {
    fn add(&self, info: HidDeviceInfo) -> Shared {
        let state = Arc::new(Mutex::new(DeviceState {
            firmware: LovenseFirmware::new("Z", 11, 1, false),
            written: Vec::new(),
            input: VecDeque::new(),
            removed: false,
            open: false,
        }));
        self.devices.lock().unwrap().push((info, Arc::clone(&state)));
        state
    }
}

impl HidPlatform for FakePlatform {
    fn enumerate(&self) -> Result<Vec<HidDeviceInfo>, PlatformError> {
        if self.enumeration_fails {
            return Err("the platform has no HID support".into());
        }
        let devices = self.devices.lock().unwrap();
        Ok(devices
            .iter()
            .filter(|(_, state)| !state.lock().unwrap().removed)
            .map(|(info, _)| info.clone())
            .collect())
    }

    fn open(&self, path: &str) -> Result<Box<dyn HidHandle>, PlatformError> {
        let devices = self.devices.lock().unwrap();
        let (_, state) = devices
            .iter()
            .find(|(info, state)| info.path == path && !state.lock().unwrap().removed)
            .ok_or("no such device")?;
        state.lock().unwrap().open = true;
        Ok(Box::new(FakeHandle(Arc::clone(state))))
    }
}

/// An open fake device: writes run the firmware, whose answers become input reports.
struct FakeHandle(Shared);

impl HidHandle for FakeHandle {
    fn write(&mut self, report: &[u8]) -> Result<(), PlatformError> {
        let mut state = self.0.lock().unwrap();
        if state.removed {
            return Err("the device was removed".into());
        }
        state.written.push(report.to_vec());
        let answers = state.firmware.handle_write(Endpoint::Tx, report);
        state.input.extend(answers.into_iter().map(|(_, answer)| answer));
        Ok(())
    }

    fn read(&mut self, buffer: &mut [u8]) -> Result<usize, PlatformError> {
        let mut state = self.0.lock().unwrap();
        if state.removed {
            return Err("the device was removed".into());
        }
        let Some(report) = state.input.pop_front() else { return Ok(0) };
        buffer[..report.len()].copy_from_slice(&report);
        Ok(report.len())
    }
}

impl Drop for FakeHandle {
    fn drop(&mut self) {
        self.0.lock().unwrap().open = false;
    }
}

fn info(path: &str, ids: (u16, u16), product: Option<&str>, serial: Option<&str>) -> HidDeviceInfo {
    HidDeviceInfo {
        path: path.to_owned(),
        vendor_id: ids.0,
        product_id: ids.1,
        product: product.map(str::to_owned),
        serial_number: serial.map(str::to_owned),
    }
}

const VORZE: (u16, u16) = (0x0b49, 0x064f);

/// Scans once: the found devices, and whether the scan finished.
async fn scan(platform: FakePlatform) -> (Vec<FoundDevice>, bool) {
    let (sink, mut events) = sim::channel();
    let manager = HidManager::with_platform(sink, Arc::new(platform));
    assert_eq!(manager.name(), "hid");
    manager.start_scanning().await.unwrap();
    manager.stop_scanning().await.unwrap();
    let mut found = Vec::new();
    loop {
        match within("the scan", events.recv()).await.unwrap() {
            ManagerEvent::Found(device) => found.push(device),
            ManagerEvent::ScanningFinished => return (found, true),
        }
    }
}

async fn connect_one(
    info: HidDeviceInfo,
) -> (Shared, Arc<dyn Hardware>, UnboundedReceiver<HardwareEvent>) {
    let platform = FakePlatform::default();
    let state = platform.add(info);
    let (mut found, _) = scan(platform).await;
    let (sink, events) = sim::channel();
    let hardware = found.remove(0).connector.connect(Specialization::Fixed, sink).await.unwrap();
    (state, hardware, events)
}

async fn next_event(events: &mut UnboundedReceiver<HardwareEvent>) -> HardwareEvent {
    within("a hardware event", events.recv()).await.expect("the event channel ended")
}

#[tokio::test]
async fn a_scan_reports_each_device_once_by_serial_number_or_path() {
    let platform = FakePlatform::default();
    platform.add(info("hid-a", VORZE, Some("UFO SA"), Some("S1")));
    // A second interface of the same device.
    platform.add(info("hid-b", VORZE, Some("UFO SA"), Some("S1")));
    platform.add(info("hid-c", (0x1234, 0x5678), None, None));
    platform.add(info("hid-d", (0x1234, 0x5679), Some("Pad"), Some("")));
    let (found, finished) = scan(platform).await;
    assert!(finished);
    let seen: Vec<(&str, &str, &AdvertisementBuf)> = found
        .iter()
        .map(|device| (device.name.as_str(), device.address.as_str(), &device.advertisement))
        .collect();
    let hid = |vendor_id, product_id| AdvertisementBuf::Hid(UsbId { vendor_id, product_id });
    assert_eq!(
        seen,
        [
            ("UFO SA", "S1", &hid(0x0b49, 0x064f)),
            ("HID device 1234:5678", "hid-c", &hid(0x1234, 0x5678)),
            ("Pad", "hid-d", &hid(0x1234, 0x5679)),
        ]
    );
}

#[tokio::test]
async fn a_failed_enumeration_still_ends_the_scan() {
    let platform = FakePlatform { enumeration_fails: true, ..FakePlatform::default() };
    let (found, finished) = scan(platform).await;
    assert!(found.is_empty() && finished);
}

#[tokio::test]
async fn reports_flow_both_ways() {
    let (state, hardware, mut events) =
        connect_one(info("hid-a", VORZE, Some("UFO SA"), Some("S1"))).await;
    assert_eq!((hardware.name(), hardware.address()), ("UFO SA", "S1"));
    assert_eq!(hardware.endpoints(), [Endpoint::Tx, Endpoint::Rx]);
    hardware.subscribe(Endpoint::Rx).await.unwrap();
    hardware.write(Endpoint::Tx, b"Vibrate:4;", false).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HardwareEvent::Notification { endpoint: Endpoint::Rx, data: b"OK;".to_vec() }
    );
    hardware.write(Endpoint::Tx, b"Battery;", true).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HardwareEvent::Notification { endpoint: Endpoint::Rx, data: b"85;".to_vec() }
    );
    {
        let state = state.lock().unwrap();
        assert_eq!(state.written, [b"Vibrate:4;".to_vec(), b"Battery;".to_vec()]);
        assert_eq!(state.firmware.motors(), [4]);
    }
    assert!(matches!(
        hardware.write(Endpoint::Rx, b"x", false).await,
        Err(HwError::NoEndpoint(Endpoint::Rx))
    ));
    assert!(matches!(
        hardware.read(Endpoint::Rx, 0, Duration::from_secs(1)).await,
        Err(HwError::Unsupported(_))
    ));
}

#[tokio::test]
async fn a_removed_device_is_a_disconnect() {
    let (state, hardware, mut events) =
        connect_one(info("hid-a", VORZE, Some("UFO SA"), Some("S1"))).await;
    state.lock().unwrap().removed = true;
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert!(!state.lock().unwrap().open, "the handle is closed");
    assert!(matches!(hardware.write(Endpoint::Tx, b"x", false).await, Err(HwError::Disconnected)));
}

#[tokio::test]
async fn disconnecting_closes_the_handle() {
    let (state, hardware, mut events) =
        connect_one(info("hid-a", VORZE, Some("UFO SA"), Some("S1"))).await;
    assert!(state.lock().unwrap().open);
    hardware.disconnect().await.unwrap();
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert!(!state.lock().unwrap().open);
    assert!(matches!(hardware.write(Endpoint::Tx, b"x", false).await, Err(HwError::Disconnected)));
}

#[tokio::test]
async fn a_device_that_cannot_be_opened_gives_the_platform_reason() {
    let platform = FakePlatform::default();
    let state = platform.add(info("hid-a", VORZE, None, Some("S1")));
    let (mut found, _) = scan(platform).await;
    let found = found.remove(0);
    state.lock().unwrap().removed = true;
    let (sink, _events) = sim::channel();
    match found.connector.connect(Specialization::Fixed, sink).await {
        Err(HwError::Backend(err)) => assert_eq!(err.to_string(), "no such device"),
        other => panic!("expected a backend error, got {other:?}"),
    }
}

#[tokio::test]
async fn serial_port_settings_do_not_fit_a_hid_device() {
    let platform = FakePlatform::default();
    platform.add(info("hid-a", VORZE, None, Some("S1")));
    let (mut found, _) = scan(platform).await;
    let (sink, _events) = sim::channel();
    let settings = bpio_hardware::SerialSettings {
        baud_rate: 9600,
        data_bits: 8,
        parity: bpio_hardware::Parity::None,
        stop_bits: 1,
    };
    assert!(matches!(
        found.remove(0).connector.connect(Specialization::Serial(settings), sink).await,
        Err(HwError::WrongSpecialization)
    ));
}

/// The real hidapi layer, as far as a machine without HID devices can run it: enumeration
/// answers, and opening a path that is no device fails with a reason.
#[test]
fn hidapi_enumerates_and_refuses_a_missing_device() {
    let hidapi = Hidapi::default();
    let devices = hidapi.enumerate().unwrap();
    assert!(devices.iter().all(|device| !device.path.is_empty()), "{devices:?}");
    let err = hidapi.open("/dev/bpio-no-such-hidraw").err().expect("no such device");
    assert!(!err.to_string().is_empty());
    assert!(hidapi.open("bad\0path").is_err(), "a path with a NUL byte is refused");
}
