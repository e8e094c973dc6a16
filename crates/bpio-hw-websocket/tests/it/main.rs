//! The device websocket server end to end over real loopback sockets, with fake devices that
//! run the simulated Lovense firmware behind a websocket client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bpio_hardware::sim::{self, Firmware, LovenseFirmware};
use bpio_hardware::{
    AdvertisementBuf, Endpoint, EndpointScope, FoundDevice, HardwareEvent, HardwareManager,
    HwError, ManagerEvent, Specialization,
};
use bpio_hw_websocket::{Config, DeviceServer, Error, WebsocketManager};
use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Server {
    manager: WebsocketManager,
    found: UnboundedReceiver<ManagerEvent>,
}

impl Server {
    async fn start(config: Config) -> Self {
        let server = DeviceServer::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
        let (sink, found) = sim::channel();
        Self { manager: server.start(config, sink), found }
    }

    fn url(&self) -> String {
        format!("ws://{}", self.manager.local_addr())
    }

    async fn next_found(&mut self) -> FoundDevice {
        match within("a found device", self.found.recv()).await {
            Some(ManagerEvent::Found(found)) => found,
            other => panic!("expected a found device, got {other:?}"),
        }
    }

    /// Opens a websocket to the server and sends `hello` as the first frame.
    async fn device(&self, hello: &str) -> Socket {
        let (mut socket, _) = tokio_tungstenite::connect_async(self.url()).await.unwrap();
        socket.send(Message::text(hello)).await.unwrap();
        socket
    }
}

const HUSH: &str = r#"{"identifier": "LVS-Hush", "address": "wsdev-1", "version": 1}"#;

/// Runs `firmware` behind `socket` until the connection ends: every binary frame is a write to
/// `tx`, every notification goes back as a binary frame. Returns how the connection ended.
async fn run_firmware<F: Firmware>(socket: Socket, firmware: Arc<Mutex<F>>) -> &'static str {
    run_firmware_counting_pings(socket, firmware, None).await
}

/// [`run_firmware`], telling `pings` of every keep-alive ping the server sends (tungstenite
/// answers each with a pong).
async fn run_firmware_counting_pings<F: Firmware>(
    mut socket: Socket,
    firmware: Arc<Mutex<F>>,
    pings: Option<UnboundedSender<()>>,
) -> &'static str {
    while let Some(frame) = socket.next().await {
        match frame {
            Ok(Message::Binary(data)) => {
                let answers = firmware.lock().unwrap().handle_write(Endpoint::Tx, &data);
                for (_, answer) in answers {
                    if socket.send(Message::binary(answer)).await.is_err() {
                        return "send failed";
                    }
                }
            }
            Ok(Message::Close(_)) => return "closed",
            Ok(Message::Ping(_)) => {
                if let Some(pings) = &pings {
                    let _ = pings.send(());
                }
            }
            Ok(_) => {}
            Err(_) => return "error",
        }
    }
    "ended"
}

fn events() -> (bpio_hardware::EventSink<HardwareEvent>, UnboundedReceiver<HardwareEvent>) {
    sim::channel()
}

async fn next_event(events: &mut UnboundedReceiver<HardwareEvent>) -> HardwareEvent {
    within("a hardware event", events.recv()).await.expect("the event channel ended")
}

#[tokio::test]
async fn a_device_identifies_itself_and_its_bytes_flow_both_ways() {
    let mut server = Server::start(Config::default()).await;
    let socket = server.device(HUSH).await;
    let firmware = Arc::new(Mutex::new(LovenseFirmware::new("Z", 11, 1, false)));
    let device = tokio::spawn(run_firmware(socket, Arc::clone(&firmware)));

    let found = server.next_found().await;
    assert_eq!(
        (found.name.as_str(), found.address.as_str(), &found.advertisement),
        ("LVS-Hush", "wsdev-1", &AdvertisementBuf::Websocket { identifier: "LVS-Hush".into() })
    );
    let (sink, mut events) = events();
    let hardware = found.connector.connect(Specialization::Fixed, sink).await.unwrap();
    assert_eq!(hardware.endpoints(), [Endpoint::Tx, Endpoint::Rx]);
    assert_eq!(hardware.endpoint_scope(), EndpointScope::Every);
    assert_eq!((hardware.name(), hardware.address()), ("LVS-Hush", "wsdev-1"));

    hardware.subscribe(Endpoint::Rx).await.unwrap();
    hardware.write(Endpoint::Tx, b"DeviceType;", false).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HardwareEvent::Notification {
            endpoint: Endpoint::Rx,
            data: b"Z:11:0082059AD3BD;".to_vec()
        }
    );
    hardware.write(Endpoint::Tx, b"Vibrate:7;", false).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HardwareEvent::Notification { endpoint: Endpoint::Rx, data: b"OK;".to_vec() }
    );
    assert_eq!(firmware.lock().unwrap().motors(), [7]);
    assert!(matches!(
        hardware.read(Endpoint::Rx, 0, Duration::from_secs(1)).await,
        Err(HwError::Unsupported(_))
    ));

    // The server lets go: the device gets a close frame and the sink the disconnect.
    hardware.disconnect().await.unwrap();
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert_eq!(within("the device's end", device).await.unwrap(), "closed");
    assert!(matches!(hardware.write(Endpoint::Tx, b"x", false).await, Err(HwError::Disconnected)));
}

/// The next binary frame the device receives.
async fn next_frame(socket: &mut Socket) -> Vec<u8> {
    loop {
        match within("a frame", socket.next()).await {
            Some(Ok(Message::Binary(data))) => return data.to_vec(),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a binary frame, got {other:?}"),
        }
    }
}

/// Firmware of other protocols names endpoints other than `tx` and `rx` (issue 17): the socket
/// carries them all, as the reference's does.
#[tokio::test]
async fn writes_to_any_endpoint_are_sent_and_frames_reach_the_endpoint_subscribed_to() {
    let mut server = Server::start(Config::default()).await;
    let mut socket =
        server.device(r#"{"identifier": "F1SV2A", "address": "wsdev-3", "version": 1}"#).await;
    let (sink, mut events) = events();
    let hardware =
        server.next_found().await.connector.connect(Specialization::Fixed, sink).await.unwrap();

    for (endpoint, data) in [
        (Endpoint::Firmware, vec![0x00]),
        (Endpoint::TxMode, vec![0x43, 0x02, 0x00]),
        (Endpoint::TxVibrate, vec![28, 0, 0]),
        (Endpoint::Generic(0), vec![0x12, 0x34]),
        (Endpoint::Tx, vec![0x01, 0x32, 0x00]),
    ] {
        hardware.write(endpoint, &data, true).await.unwrap();
        assert_eq!(next_frame(&mut socket).await, data, "{endpoint}");
    }

    // Subscribed: frames arrive on the endpoint the protocol listens on.
    hardware.subscribe(Endpoint::Whitelist).await.unwrap();
    socket.send(Message::binary(vec![1, 0, 0, 0, 0, 0, 0, 0])).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HardwareEvent::Notification {
            endpoint: Endpoint::Whitelist,
            data: vec![1, 0, 0, 0, 0, 0, 0, 0]
        }
    );
    // Unsubscribed again: back on `rx`.
    hardware.unsubscribe(Endpoint::Whitelist).await.unwrap();
    socket.send(Message::binary(vec![9])).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HardwareEvent::Notification { endpoint: Endpoint::Rx, data: vec![9] }
    );

    // A read fails at once and says why, on any endpoint; nothing reaches the device.
    for endpoint in [Endpoint::Rx, Endpoint::Firmware, Endpoint::RxBleBattery] {
        let read = within("a read to fail", hardware.read(endpoint, 1, PATIENCE)).await;
        match read {
            Err(err @ HwError::Unsupported(_)) => {
                assert!(err.to_string().contains("nothing can be read"), "{err}");
            }
            other => panic!("expected a clear refusal, got {other:?}"),
        }
    }
    hardware.write(Endpoint::Tx, b"after", false).await.unwrap();
    assert_eq!(next_frame(&mut socket).await, b"after");
}

#[tokio::test]
async fn a_close_frame_from_the_device_is_a_disconnect() {
    let mut server = Server::start(Config::default()).await;
    let mut socket = server.device(HUSH).await;
    let (sink, mut events) = events();
    let hardware =
        server.next_found().await.connector.connect(Specialization::Fixed, sink).await.unwrap();
    socket.close(None).await.unwrap();
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert!(matches!(hardware.write(Endpoint::Tx, b"x", false).await, Err(HwError::Disconnected)));
}

#[tokio::test]
async fn a_tcp_drop_without_a_close_frame_is_a_disconnect() {
    let mut server = Server::start(Config::default()).await;
    let socket = server.device(HUSH).await;
    let (sink, mut events) = events();
    let hardware =
        server.next_found().await.connector.connect(Specialization::Fixed, sink).await.unwrap();
    // Dropping the stream ends TCP without the websocket closing handshake.
    drop(socket);
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
    assert!(matches!(hardware.write(Endpoint::Tx, b"x", false).await, Err(HwError::Disconnected)));
}

#[tokio::test]
async fn a_device_that_stops_answering_pings_is_dropped() {
    let config = Config { keepalive: Duration::from_millis(100), ..Config::default() };
    let mut server = Server::start(config).await;
    // The socket stays open but is never read again, so no pong is ever sent: a device whose
    // link died without TCP noticing.
    let _silent = server.device(HUSH).await;
    let (sink, mut events) = events();
    let _hardware =
        server.next_found().await.connector.connect(Specialization::Fixed, sink).await.unwrap();
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
}

#[tokio::test]
async fn writes_to_a_device_that_stopped_reading_never_hang() {
    let config = Config { keepalive: Duration::from_millis(100), ..Config::default() };
    let mut server = Server::start(config).await;
    let _stuck = server.device(HUSH).await;
    let (sink, mut events) = events();
    let hardware =
        server.next_found().await.connector.connect(Specialization::Fixed, sink).await.unwrap();
    // Large writes fill the socket buffers; each then fails instead of waiting forever.
    let block = vec![b'x'; 60 << 10];
    within("a write to fail", async {
        while hardware.write(Endpoint::Tx, &block, false).await.is_ok() {}
    })
    .await;
    assert_eq!(next_event(&mut events).await, HardwareEvent::Disconnected);
}

#[tokio::test]
async fn a_device_that_answers_pings_stays_connected() {
    let config = Config { keepalive: Duration::from_millis(50), ..Config::default() };
    let mut server = Server::start(config).await;
    let socket = server.device(HUSH).await;
    let firmware = Arc::new(Mutex::new(LovenseFirmware::new("Z", 11, 1, false)));
    let (pings, mut pinged) = tokio::sync::mpsc::unbounded_channel();
    let _device = tokio::spawn(run_firmware_counting_pings(socket, firmware, Some(pings)));
    let (sink, mut events) = events();
    let hardware =
        server.next_found().await.connector.connect(Specialization::Fixed, sink).await.unwrap();
    // Many keep-alive intervals pass while the device keeps answering.
    for _ in 0..5 {
        within("a keep-alive ping", pinged.recv()).await.unwrap();
    }
    hardware.write(Endpoint::Tx, b"Battery;", false).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        HardwareEvent::Notification { endpoint: Endpoint::Rx, data: b"85;".to_vec() }
    );
}

#[tokio::test]
async fn a_device_that_never_identifies_itself_is_dropped_after_the_timeout() {
    let config = Config { hello_timeout: Duration::from_millis(200), ..Config::default() };
    let mut server = Server::start(config).await;
    // Plain TCP, no websocket handshake at all.
    let mut raw = TcpStream::connect(server.manager.local_addr()).await.unwrap();
    let mut buffer = [0_u8; 64];
    let read = within("the server to hang up", raw.read(&mut buffer)).await;
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // A websocket that completes its handshake but stays silent.
    let (mut socket, _) = tokio_tungstenite::connect_async(server.url()).await.unwrap();
    let end = within("the server to hang up", socket.next()).await;
    assert!(!matches!(end, Some(Ok(Message::Binary(_) | Message::Text(_)))), "{end:?}");
    assert!(server.found.try_recv().is_err(), "nothing was reported");
}

#[tokio::test]
async fn bad_first_frames_are_refused() {
    let mut server = Server::start(Config::default()).await;
    for first in [
        Message::text(r#"{"identifier": "x", "address": "y"}"#),
        Message::text("not json"),
        Message::binary(b"DeviceType;".to_vec()),
    ] {
        let (mut socket, _) = tokio_tungstenite::connect_async(server.url()).await.unwrap();
        socket.send(first.clone()).await.unwrap();
        let end = within("the server to hang up", socket.next()).await;
        assert!(!matches!(end, Some(Ok(Message::Binary(_) | Message::Text(_)))), "{first:?}");
    }
    // A good device after the bad ones is still welcome.
    let _socket = server.device(HUSH).await;
    assert_eq!(server.next_found().await.address, "wsdev-1");
}

#[tokio::test]
async fn a_device_the_server_does_not_take_is_closed() {
    let mut server = Server::start(Config::default()).await;
    let mut socket = server.device(HUSH).await;
    // No protocol matched: the server drops the found device without connecting it.
    drop(server.next_found().await);
    let end = within("the close", socket.next()).await;
    assert!(matches!(end, Some(Ok(Message::Close(_))) | None), "{end:?}");
}

#[tokio::test]
async fn scanning_finishes_at_once() {
    let mut server = Server::start(Config::default()).await;
    assert_eq!(server.manager.name(), "websocket-devices");
    server.manager.start_scanning().await.unwrap();
    assert!(matches!(
        within("the end of the scan", server.found.recv()).await,
        Some(ManagerEvent::ScanningFinished)
    ));
    server.manager.stop_scanning().await.unwrap();
}

#[tokio::test]
async fn a_taken_port_is_reported_as_such() {
    let first = DeviceServer::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let taken = first.local_addr();
    match DeviceServer::bind(taken).await {
        Err(Error::AddrInUse { addr }) => assert_eq!(addr, taken),
        other => panic!("expected AddrInUse, got {other:?}"),
    }
}

#[tokio::test]
async fn two_devices_are_served_independently() {
    let mut server = Server::start(Config::default()).await;
    let first = server.device(HUSH).await;
    let second =
        server.device(r#"{"identifier": "LVS-Edge", "address": "wsdev-2", "version": 2}"#).await;
    let edge = Arc::new(Mutex::new(LovenseFirmware::new("P", 11, 2, false)));
    let _edge_task = tokio::spawn(run_firmware(second, Arc::clone(&edge)));
    let mut found = vec![server.next_found().await, server.next_found().await];
    found.sort_by(|a, b| a.address.cmp(&b.address));
    let edge_found = found.pop().unwrap();
    let (sink, mut hush_events) = events();
    let _hush = found.pop().unwrap().connector.connect(Specialization::Fixed, sink).await.unwrap();
    let (sink, mut edge_events) = events();
    let edge_hw = edge_found.connector.connect(Specialization::Fixed, sink).await.unwrap();

    drop(first);
    assert_eq!(next_event(&mut hush_events).await, HardwareEvent::Disconnected);
    edge_hw.write(Endpoint::Tx, b"Vibrate2:9;", false).await.unwrap();
    assert_eq!(
        next_event(&mut edge_events).await,
        HardwareEvent::Notification { endpoint: Endpoint::Rx, data: b"OK;".to_vec() }
    );
    assert_eq!(edge.lock().unwrap().motors(), [0, 9]);
}
