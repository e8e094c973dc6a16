//! The serial backend end to end through real pseudo-terminal pairs: the test holds the
//! terminal side and runs the simulated TCode firmware on it; the backend opens the port side
//! by its path, as a user config names it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bpio_hardware::sim::{self, Firmware, TCodeFirmware};
use bpio_hardware::{
    AdvertisementBuf, Endpoint, EventSink, FoundDevice, Hardware, HardwareEvent, HardwareManager,
    HwError, ManagerEvent, Parity, SerialSettings, Specialization,
};
use bpio_hw_serial::SerialManager;
use serialport::{SerialPort, TTYPort};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

const TCODE_LINE: SerialSettings =
    SerialSettings { baud_rate: 115_200, data_bits: 8, parity: Parity::None, stop_bits: 1 };

/// A device on the far side of a pseudo-terminal, running firmware in a thread. Dropping it
/// (or [`FakeDevice::unplug`]) closes the terminal side, as unplugging an adapter would.
struct FakeDevice<F> {
    path: String,
    firmware: Arc<Mutex<F>>,
    /// Every chunk the device read, as it read it.
    received: UnboundedReceiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// The pair's own port side stays open so the terminal side never sees a hang-up before the
    /// backend has opened the port.
    _port_side: TTYPort,
}

impl<F: Firmware> FakeDevice<F> {
    fn start(firmware: F) -> Self {
        let (mut terminal, port_side) = TTYPort::pair().unwrap();
        let path = port_side.name().unwrap();
        terminal.set_timeout(Duration::from_millis(20)).unwrap();
        let firmware = Arc::new(Mutex::new(firmware));
        let (chunks, received) = unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let (firmware, stop) = (Arc::clone(&firmware), Arc::clone(&stop));
            move || serve(terminal, &firmware, &chunks, &stop)
        });
        Self { path, firmware, received, stop, thread: Some(thread), _port_side: port_side }
    }

    /// Waits until the device has read `expected` (in any number of chunks).
    async fn expect(&mut self, expected: &[u8]) {
        let mut got = Vec::new();
        while got.len() < expected.len() {
            got.extend(within("bytes at the device", self.received.recv()).await.unwrap());
        }
        assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(expected));
    }

    fn unplug(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl<F> Drop for FakeDevice<F> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve<F: Firmware>(
    mut terminal: TTYPort,
    firmware: &Mutex<F>,
    chunks: &UnboundedSender<Vec<u8>>,
    stop: &AtomicBool,
) {
    let mut buffer = [0_u8; 256];
    while !stop.load(Ordering::Relaxed) {
        match terminal.read(&mut buffer) {
            Ok(read) => {
                let chunk = buffer[..read].to_vec();
                let answers = firmware.lock().unwrap().handle_write(Endpoint::Tx, &chunk);
                let _ = chunks.send(chunk);
                for (_, answer) in answers {
                    if terminal.write_all(&answer).is_err() {
                        return;
                    }
                }
            }
            Err(err) if err.kind() == ErrorKind::TimedOut => {}
            // The test sees the consequences through the backend.
            Err(_) => return,
        }
    }
}

/// Scans with `named` ports and returns the found device on `port`, checking the scan ends.
async fn scan_for(named: &[&str], port: &str) -> Option<FoundDevice> {
    let (sink, mut events) = sim::channel();
    let manager = SerialManager::new(sink, named.iter().map(|name| (*name).to_owned()));
    assert_eq!(manager.name(), "serial");
    manager.start_scanning().await.unwrap();
    let mut wanted = None;
    loop {
        match within("the scan", events.recv()).await.unwrap() {
            ManagerEvent::Found(found) if found.address == port => wanted = Some(found),
            ManagerEvent::Found(_) => {}
            ManagerEvent::ScanningFinished => return wanted,
        }
    }
}

async fn connect(port: &str) -> (Arc<dyn Hardware>, UnboundedReceiver<HardwareEvent>) {
    let found = scan_for(&[port], port).await.expect("the named port is reported");
    let (sink, events) = sim::channel();
    let hardware = found.connector.connect(Specialization::Serial(TCODE_LINE), sink).await.unwrap();
    (hardware, events)
}

async fn next_event(events: &mut UnboundedReceiver<HardwareEvent>) -> HardwareEvent {
    within("a hardware event", events.recv()).await.expect("the event channel ended")
}

/// Collects `rx` notifications until one ends a line.
async fn read_line(events: &mut UnboundedReceiver<HardwareEvent>) -> String {
    let mut line = Vec::new();
    while line.last() != Some(&b'\n') {
        match next_event(events).await {
            HardwareEvent::Notification { endpoint: Endpoint::Rx, data } => line.extend(data),
            other => panic!("expected bytes on rx, got {other:?}"),
        }
    }
    String::from_utf8(line).unwrap()
}

#[tokio::test]
async fn a_named_pseudo_terminal_is_found_opened_and_driven() {
    let mut device = FakeDevice::start(TCodeFirmware::default());
    let found = scan_for(&[&device.path], &device.path).await.expect("the named port is reported");
    assert_eq!(found.name, device.path);
    assert_eq!(found.advertisement, AdvertisementBuf::Serial { port: device.path.clone() });
    let (sink, mut events) = sim::channel();
    let hardware = found.connector.connect(Specialization::Serial(TCODE_LINE), sink).await.unwrap();
    assert_eq!(hardware.endpoints(), [Endpoint::Tx, Endpoint::Rx]);
    assert_eq!(hardware.address(), device.path);
    hardware.subscribe(Endpoint::Rx).await.unwrap();

    hardware.write(Endpoint::Tx, b"D1\n", false).await.unwrap();
    assert_eq!(read_line(&mut events).await, "TCode v0.3\n");
    hardware.write(Endpoint::Tx, b"L0500\nR0500\n", false).await.unwrap();
    device.expect(b"D1\nL0500\nR0500\n").await;
    let firmware = device.firmware.lock().unwrap().clone();
    assert_eq!(firmware.axis("L0").map(|axis| axis.level), Some(5000));
    assert_eq!(firmware.lines(), ["D1", "L0500", "R0500"]);

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
async fn a_vanishing_port_is_a_disconnect() {
    let mut device = FakeDevice::start(TCodeFirmware::default());
    let (hardware, mut events) = connect(&device.path).await;
    hardware.write(Endpoint::Tx, b"D0\n", false).await.unwrap();
    assert_eq!(read_line(&mut events).await, "bpio simulated TCode stroker\n");
    device.unplug();
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert!(matches!(
        hardware.write(Endpoint::Tx, b"D1\n", false).await,
        Err(HwError::Disconnected)
    ));
}

#[tokio::test]
async fn a_disconnected_port_is_released_and_opens_again() {
    let mut device = FakeDevice::start(TCodeFirmware::default());
    let (hardware, mut events) = connect(&device.path).await;
    hardware.disconnect().await.unwrap();
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert!(matches!(
        hardware.write(Endpoint::Tx, b"D1\n", false).await,
        Err(HwError::Disconnected)
    ));
    drop(hardware);

    let (again, mut events) = connect(&device.path).await;
    again.write(Endpoint::Tx, b"D1\n", false).await.unwrap();
    assert_eq!(read_line(&mut events).await, "TCode v0.3\n");
    device.expect(b"D1\n").await;
}

#[tokio::test]
async fn missing_named_ports_and_the_placeholder_are_not_reported() {
    for port in ["/dev/bpio-no-such-port", "default"] {
        assert!(scan_for(&[port], port).await.is_none(), "{port}");
    }
}

#[tokio::test]
async fn settings_no_port_has_are_refused_clearly() {
    let device = FakeDevice::start(TCodeFirmware::default());
    for (settings, why) in [
        (SerialSettings { data_bits: 9, ..TCODE_LINE }, "5 to 8 data bits, not 9"),
        (SerialSettings { stop_bits: 3, ..TCODE_LINE }, "1 or 2 stop bits, not 3"),
    ] {
        let found = scan_for(&[&device.path], &device.path).await.unwrap();
        let (sink, _events): (EventSink<HardwareEvent>, _) = sim::channel();
        match found.connector.connect(Specialization::Serial(settings), sink).await {
            Err(HwError::Backend(err)) => assert!(err.to_string().contains(why), "{err}"),
            other => panic!("expected a backend error, got {other:?}"),
        }
    }
    let found = scan_for(&[&device.path], &device.path).await.unwrap();
    let (sink, _events) = sim::channel();
    assert!(matches!(
        found.connector.connect(Specialization::Fixed, sink).await,
        Err(HwError::WrongSpecialization)
    ));
}

#[tokio::test]
async fn a_missing_port_fails_to_open_with_the_reason() {
    let mut device = FakeDevice::start(TCodeFirmware::default());
    let found = scan_for(&[&device.path], &device.path).await.unwrap();
    device.unplug();
    drop(device);
    // The path is gone once both sides of the pair are closed.
    let (sink, _events) = sim::channel();
    match found.connector.connect(Specialization::Serial(TCODE_LINE), sink).await {
        Err(HwError::Backend(err)) => assert!(!err.to_string().is_empty()),
        other => panic!("expected a backend error, got {other:?}"),
    }
}
