//! The gamepad backend above its platform layer, with a fake platform whose pads record what
//! they are told; and the Linux platform layer itself as far as a machine without gamepads
//! allows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bpio_hardware::sim;
use bpio_hardware::{
    AdvertisementBuf, Endpoint, FoundDevice, Hardware, HardwareEvent, HardwareManager, HwError,
    ManagerEvent, Specialization,
};
use bpio_hw_gamepad::{Config, GamepadManager, GamepadPlatform, PadHandle, PadInfo, PlatformError};
use tokio::sync::mpsc::UnboundedReceiver;

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// Quick polling, so that removal shows within a test's patience many times over.
const QUICK: Config = Config { poll: Duration::from_millis(10), rearm: Duration::from_secs(600) };

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// One fake pad: every rumble it was told, its battery, and whether it is plugged in and open.
#[derive(Debug, Default)]
struct PadState {
    rumbles: Vec<(u16, u16)>,
    battery: Option<u8>,
    unplugged: bool,
    open: bool,
    /// The next operation fails with this platform reason.
    fail: Option<&'static str>,
}

type Shared = Arc<Mutex<PadState>>;

#[derive(Default)]
struct FakePlatform {
    pads: Mutex<Vec<(PadInfo, Shared)>>,
    enumeration_fails: bool,
}

impl FakePlatform {
    fn add(&self, path: &str, name: &str, address: &str) -> Shared {
        let state = Arc::new(Mutex::new(PadState::default()));
        let info =
            PadInfo { path: path.to_owned(), name: name.to_owned(), address: address.to_owned() };
        self.pads.lock().unwrap().push((info, Arc::clone(&state)));
        state
    }
}

impl GamepadPlatform for FakePlatform {
    fn enumerate(&self) -> Result<Vec<PadInfo>, PlatformError> {
        if self.enumeration_fails {
            return Err("no gamepad support on this system".into());
        }
        let pads = self.pads.lock().unwrap();
        Ok(pads
            .iter()
            .filter(|(_, state)| !state.lock().unwrap().unplugged)
            .map(|(info, _)| info.clone())
            .collect())
    }

    fn open(&self, pad: &PadInfo) -> Result<Box<dyn PadHandle>, PlatformError> {
        let pads = self.pads.lock().unwrap();
        let (_, state) = pads
            .iter()
            .find(|(info, state)| info == pad && !state.lock().unwrap().unplugged)
            .ok_or("no such gamepad")?;
        state.lock().unwrap().open = true;
        Ok(Box::new(FakePad(Arc::clone(state))))
    }
}

struct FakePad(Shared);

impl FakePad {
    fn check(state: &mut PadState) -> Result<(), PlatformError> {
        if state.unplugged {
            return Err("No such device (os error 19)".into());
        }
        match state.fail.take() {
            Some(reason) => Err(reason.into()),
            None => Ok(()),
        }
    }
}

impl PadHandle for FakePad {
    fn rumble(&mut self, strong: u16, weak: u16) -> Result<(), PlatformError> {
        let mut state = self.0.lock().unwrap();
        Self::check(&mut state)?;
        state.rumbles.push((strong, weak));
        Ok(())
    }

    fn battery(&mut self) -> Result<Option<u8>, PlatformError> {
        let mut state = self.0.lock().unwrap();
        Self::check(&mut state)?;
        Ok(state.battery)
    }

    fn connected(&mut self) -> Result<bool, PlatformError> {
        Ok(!self.0.lock().unwrap().unplugged)
    }
}

impl Drop for FakePad {
    fn drop(&mut self) {
        self.0.lock().unwrap().open = false;
    }
}

/// Scans once with `manager`: the found devices, after the scan finished.
async fn scan_with(
    manager: &GamepadManager,
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

fn manager(
    platform: &Arc<FakePlatform>,
    config: Config,
) -> (GamepadManager, UnboundedReceiver<ManagerEvent>) {
    let (sink, events) = sim::channel();
    let platform: Arc<dyn GamepadPlatform> = Arc::clone(platform) as _;
    (GamepadManager::with_platform(sink, platform, config), events)
}

async fn connect(found: FoundDevice) -> (Arc<dyn Hardware>, UnboundedReceiver<HardwareEvent>) {
    let (sink, events) = sim::channel();
    let hardware = found.connector.connect(Specialization::Fixed, sink).await.unwrap();
    (hardware, events)
}

/// A platform with one pad, connected.
async fn one_pad(
    config: Config,
) -> (Arc<FakePlatform>, Shared, Arc<dyn Hardware>, UnboundedReceiver<HardwareEvent>) {
    let platform = Arc::new(FakePlatform::default());
    let state = platform.add("event7", "Xbox Wireless Controller", "gamepad-045e:0b13-AA:BB");
    let (manager, mut events) = manager(&platform, config);
    let mut found = scan_with(&manager, &mut events).await;
    let (hardware, events) = connect(found.remove(0)).await;
    (platform, state, hardware, events)
}

async fn next_event(events: &mut UnboundedReceiver<HardwareEvent>) -> HardwareEvent {
    within("a hardware event", events.recv()).await.expect("the event channel ended")
}

fn rumble_packet(strong: u16, weak: u16) -> Vec<u8> {
    [strong.to_le_bytes(), weak.to_le_bytes(), [0; 2], [0; 2]].concat()
}

/// The platform reason inside a backend error.
fn backend_reason<T: std::fmt::Debug>(result: Result<T, HwError>) -> String {
    match result {
        Err(HwError::Backend(err)) => err.to_string(),
        other => panic!("expected a backend error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_scan_reports_each_pad_once_as_a_gamepad() {
    let platform = Arc::new(FakePlatform::default());
    platform.add("event3", "Xbox Wireless Controller", "gamepad-045e:0b13-AA:BB");
    platform.add("event4", "DualSense Wireless Controller", "gamepad-054c:0ce6-CC:DD");
    // The same pad listed twice (a platform race) is one device.
    platform.add("event5", "DualSense Wireless Controller", "gamepad-054c:0ce6-CC:DD");
    let (manager, mut events) = manager(&platform, QUICK);
    assert_eq!(manager.name(), "gamepad");
    let found = scan_with(&manager, &mut events).await;
    let seen: Vec<(&str, &str, &AdvertisementBuf)> = found
        .iter()
        .map(|device| (device.name.as_str(), device.address.as_str(), &device.advertisement))
        .collect();
    assert_eq!(
        seen,
        [
            ("Xbox Wireless Controller", "gamepad-045e:0b13-AA:BB", &AdvertisementBuf::Gamepad),
            (
                "DualSense Wireless Controller",
                "gamepad-054c:0ce6-CC:DD",
                &AdvertisementBuf::Gamepad
            ),
        ]
    );
}

#[tokio::test]
async fn a_failed_enumeration_still_ends_the_scan() {
    let platform = Arc::new(FakePlatform { enumeration_fails: true, ..FakePlatform::default() });
    let (manager, mut events) = manager(&platform, QUICK);
    assert!(scan_with(&manager, &mut events).await.is_empty());
}

#[tokio::test]
async fn rumble_bytes_set_the_strong_and_the_weak_motor() {
    let (_platform, state, hardware, _events) = one_pad(QUICK).await;
    assert_eq!(
        (hardware.name(), hardware.address()),
        ("Xbox Wireless Controller", "gamepad-045e:0b13-AA:BB")
    );
    assert_eq!(hardware.endpoints(), [Endpoint::Tx, Endpoint::Rx]);
    hardware.write(Endpoint::Tx, &rumble_packet(0x1234, 0xabcd), false).await.unwrap();
    hardware.write(Endpoint::Tx, &[0xff, 0xff, 0, 0, 0, 0, 0, 0], false).await.unwrap();
    hardware.write(Endpoint::Tx, &rumble_packet(0, 0), false).await.unwrap();
    assert_eq!(state.lock().unwrap().rumbles, [(0x1234, 0xabcd), (0xffff, 0), (0, 0)]);
}

#[tokio::test]
async fn a_bad_packet_or_endpoint_is_refused_before_the_pad_hears_it() {
    let (_platform, state, hardware, _events) = one_pad(QUICK).await;
    assert_eq!(
        backend_reason(hardware.write(Endpoint::Tx, &[1, 2, 3, 4], false).await),
        "a gamepad takes 8 bytes on tx (four little-endian u16: strong, weak, left trigger, \
         right trigger), not 4"
    );
    assert_eq!(
        backend_reason(hardware.write(Endpoint::Tx, &[1, 2, 3, 4, 5, 0, 0, 0], false).await),
        "this gamepad has no trigger motors"
    );
    assert!(matches!(
        hardware.write(Endpoint::Rx, &rumble_packet(1, 1), false).await,
        Err(HwError::NoEndpoint(Endpoint::Rx))
    ));
    assert!(matches!(hardware.read(Endpoint::Tx, 1, PATIENCE).await, Err(HwError::Unsupported(_))));
    assert!(matches!(
        hardware.read(Endpoint::Command, 1, PATIENCE).await,
        Err(HwError::NoEndpoint(Endpoint::Command))
    ));
    assert!(matches!(hardware.subscribe(Endpoint::Rx).await, Err(HwError::Unsupported(_))));
    assert!(state.lock().unwrap().rumbles.is_empty());
}

#[tokio::test]
async fn the_battery_is_one_byte_in_percent_when_the_pad_reports_it() {
    let (_platform, state, hardware, _events) = one_pad(QUICK).await;
    state.lock().unwrap().battery = Some(64);
    assert_eq!(hardware.read(Endpoint::Rx, 1, PATIENCE).await.unwrap(), [64]);
    state.lock().unwrap().battery = None;
    assert_eq!(
        backend_reason(hardware.read(Endpoint::Rx, 1, PATIENCE).await),
        "this gamepad reports no battery level"
    );
}

#[tokio::test]
async fn platform_errors_name_the_operation_and_the_reason() {
    let (_platform, state, hardware, mut events) = one_pad(QUICK).await;
    state.lock().unwrap().fail = Some("Input/output error (os error 5)");
    assert_eq!(
        backend_reason(hardware.write(Endpoint::Tx, &rumble_packet(9, 9), false).await),
        "cannot set the rumble of the gamepad: Input/output error (os error 5)"
    );
    state.lock().unwrap().fail = Some("Permission denied (os error 13)");
    assert_eq!(
        backend_reason(hardware.read(Endpoint::Rx, 1, PATIENCE).await),
        "cannot read the battery of the gamepad: Permission denied (os error 13)"
    );
    // A failed operation alone is no disconnect: the pad still works.
    hardware.write(Endpoint::Tx, &rumble_packet(1, 2), false).await.unwrap();
    assert_eq!(state.lock().unwrap().rumbles, [(1, 2)]);
    assert!(events.try_recv().is_err(), "no event");
}

#[tokio::test]
async fn a_pad_that_cannot_be_opened_gives_the_platform_reason() {
    let platform = Arc::new(FakePlatform::default());
    let state = platform.add("event7", "Pad", "gamepad-1");
    let (manager, mut events) = manager(&platform, QUICK);
    let mut found = scan_with(&manager, &mut events).await;
    state.lock().unwrap().unplugged = true;
    let (sink, _events) = sim::channel();
    let result = found.remove(0).connector.connect(Specialization::Fixed, sink).await;
    assert_eq!(backend_reason(result), "cannot open the gamepad: no such gamepad");
}

#[tokio::test]
async fn serial_port_settings_do_not_fit_a_gamepad() {
    let platform = Arc::new(FakePlatform::default());
    platform.add("event7", "Pad", "gamepad-1");
    let (manager, mut events) = manager(&platform, QUICK);
    let mut found = scan_with(&manager, &mut events).await;
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

#[tokio::test]
async fn an_unplugged_pad_is_one_disconnect_and_plugged_back_is_found_at_its_address() {
    let platform = Arc::new(FakePlatform::default());
    let state = platform.add("event7", "Xbox Wireless Controller", "gamepad-045e:0b13-AA:BB");
    let (manager, mut manager_events) = manager(&platform, QUICK);
    let mut found = scan_with(&manager, &mut manager_events).await;
    let (hardware, mut events) = connect(found.remove(0)).await;
    hardware.write(Endpoint::Tx, &rumble_packet(100, 200), false).await.unwrap();

    state.lock().unwrap().unplugged = true;
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert!(!state.lock().unwrap().open, "the handle is closed");
    assert!(matches!(
        hardware.write(Endpoint::Tx, &rumble_packet(1, 1), false).await,
        Err(HwError::Disconnected)
    ));
    assert!(matches!(hardware.read(Endpoint::Rx, 1, PATIENCE).await, Err(HwError::Disconnected)));
    hardware.disconnect().await.unwrap();
    assert!(scan_with(&manager, &mut manager_events).await.is_empty(), "gone while unplugged");

    // Plugged back (on another event device, as Linux numbers it anew): same address.
    {
        let mut pads = platform.pads.lock().unwrap();
        pads[0].0.path = "event9".to_owned();
    }
    state.lock().unwrap().unplugged = false;
    let mut found = scan_with(&manager, &mut manager_events).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].address, "gamepad-045e:0b13-AA:BB");
    let (again, mut again_events) = connect(found.remove(0)).await;
    again.write(Endpoint::Tx, &rumble_packet(3, 4), false).await.unwrap();
    assert_eq!(state.lock().unwrap().rumbles.last(), Some(&(3, 4)));
    // The first connection said its disconnect once, and nothing since.
    assert!(events.try_recv().is_err());
    assert!(again_events.try_recv().is_err());
}

#[tokio::test]
async fn disconnecting_stops_the_motors_and_closes_the_pad() {
    let (_platform, state, hardware, mut events) = one_pad(QUICK).await;
    hardware.write(Endpoint::Tx, &rumble_packet(500, 600), false).await.unwrap();
    hardware.disconnect().await.unwrap();
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    {
        let state = state.lock().unwrap();
        assert!(!state.open);
        assert_eq!(state.rumbles, [(500, 600), (0, 0)]);
    }
    assert!(matches!(
        hardware.write(Endpoint::Tx, &rumble_packet(1, 1), false).await,
        Err(HwError::Disconnected)
    ));
}

#[tokio::test]
async fn dropping_the_hardware_stops_the_motors_too() {
    let (_platform, state, hardware, mut events) = one_pad(QUICK).await;
    hardware.write(Endpoint::Tx, &rumble_packet(7, 8), false).await.unwrap();
    drop(hardware);
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert_eq!(state.lock().unwrap().rumbles, [(7, 8), (0, 0)]);
}

#[tokio::test]
async fn a_rumble_that_is_on_is_repeated_and_one_that_is_off_is_not() {
    let config = Config { poll: Duration::from_millis(5), rearm: Duration::from_millis(20) };
    let (_platform, state, hardware, _events) = one_pad(config).await;
    hardware.write(Endpoint::Tx, &rumble_packet(300, 400), false).await.unwrap();
    within("the rumble to be repeated", async {
        while state.lock().unwrap().rumbles.len() < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    hardware.write(Endpoint::Tx, &rumble_packet(0, 0), false).await.unwrap();
    let rumbles = state.lock().unwrap().rumbles.clone();
    let (last, repeats) = rumbles.split_last().unwrap();
    assert_eq!(*last, (0, 0));
    assert!(repeats.iter().all(|rumble| *rumble == (300, 400)), "{rumbles:?}");
    // Several rearm periods later, nothing was repeated after the stop.
    let seen = rumbles.len();
    let later = tokio::time::Instant::now() + Duration::from_millis(100);
    while tokio::time::Instant::now() < later {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(state.lock().unwrap().rumbles.len(), seen);
}

/// The Linux platform layer, as far as a machine without gamepads can run it: enumeration
/// answers, and opening a pad that is not there fails with a reason.
#[cfg(target_os = "linux")]
#[test]
fn evdev_enumerates_and_refuses_a_missing_pad() {
    use bpio_hw_gamepad::Evdev;

    let pads = Evdev.enumerate().unwrap();
    assert!(pads.iter().all(|pad| pad.address.starts_with("gamepad-")), "{pads:?}");
    let missing = PadInfo {
        path: "/dev/input/bpio-no-such-event".to_owned(),
        name: "Pad".to_owned(),
        address: "gamepad-0000:0000-x".to_owned(),
    };
    let err = Evdev.open(&missing).err().expect("no such pad");
    assert!(!err.to_string().is_empty());
}

/// The gilrs layer, built on Linux only with `--cfg bpio_gilrs`, as far as a machine without
/// gamepads can run it: enumeration answers from its thread, and a pad it never listed is refused.
#[cfg(bpio_gilrs)]
#[test]
fn gilrs_answers_and_refuses_a_pad_it_never_listed() {
    use bpio_hw_gamepad::Gilrs;

    let gilrs = Gilrs::default();
    match gilrs.enumerate() {
        Ok(pads) => assert!(pads.iter().all(|pad| pad.address.starts_with("gamepad-")), "{pads:?}"),
        Err(err) => assert!(err.to_string().starts_with("cannot start gilrs"), "{err}"),
    }
    let never = PadInfo { path: "99".to_owned(), name: "Pad".to_owned(), address: "x".to_owned() };
    assert!(gilrs.open(&never).is_err());
    let bad = PadInfo { path: "pad".to_owned(), ..never };
    assert_eq!(gilrs.open(&bad).err().unwrap().to_string(), "pad is no gilrs id");
}
