//! The hardware backends in a real engine process (issue 7): `--use-serial` finds a TCode device
//! behind a pseudo-terminal that a user config names, `--use-device-websocket-server` takes a
//! Lovense device that connects over a websocket, and one client session drives both. The fake
//! devices run the simulated firmware, so they answer as the real toys do, and every byte they
//! receive is checked. Websocket devices of protocols that name other endpoints than `tx` and
//! `rx` run hand-written firmware (issue 17).

use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bpio::hardware::Endpoint;
use bpio::hardware::sim::{Firmware, LovenseFirmware, TCodeFirmware};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use serialport::{SerialPort, TTYPort};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::{Client, Engine, refused_for_taken_port, within};

/// A TCode device on the terminal side of a pseudo-terminal pair; the engine opens the port
/// side by its path.
struct PtyDevice {
    path: String,
    received: UnboundedReceiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
    /// Keeps the port side open until the engine has opened it.
    _port_side: TTYPort,
}

impl PtyDevice {
    fn start() -> Self {
        let (mut terminal, port_side) = TTYPort::pair().unwrap();
        terminal.set_timeout(Duration::from_millis(20)).unwrap();
        let (chunks, received) = unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut firmware = TCodeFirmware::default();
            let mut buffer = [0_u8; 256];
            while !running.load(Ordering::Relaxed) {
                match terminal.read(&mut buffer) {
                    Ok(read) => {
                        let chunk = buffer[..read].to_vec();
                        for (_, answer) in firmware.handle_write(Endpoint::Tx, &chunk) {
                            let _ = terminal.write_all(&answer);
                        }
                        let _ = chunks.send(chunk);
                    }
                    Err(err) if err.kind() == ErrorKind::TimedOut => {}
                    Err(_) => return,
                }
            }
        });
        Self { path: port_side.name().unwrap(), received, stop, _port_side: port_side }
    }
}

impl Drop for PtyDevice {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A Lovense device connected to the engine's device websocket server. Aborting its task drops
/// the TCP connection without a websocket close, as a device that loses power does.
pub(crate) struct WsDevice {
    pub(crate) received: UnboundedReceiver<Vec<u8>>,
    pub(crate) task: JoinHandle<()>,
}

impl WsDevice {
    pub(crate) async fn connect(url: &str, hello: Value, firmware: LovenseFirmware) -> Self {
        let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        socket.send(Message::text(hello.to_string())).await.unwrap();
        let (frames, received) = unbounded_channel();
        let firmware = Mutex::new(firmware);
        let task = tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                if let Message::Binary(data) = frame {
                    let answers = firmware.lock().unwrap().handle_write(Endpoint::Tx, &data);
                    let _ = frames.send(data.to_vec());
                    for (_, answer) in answers {
                        socket.send(Message::binary(answer)).await.unwrap();
                    }
                }
            }
        });
        Self { received, task }
    }
}

/// Receives from `received` until the bytes so far equal `expected`, whatever the chunking.
pub(crate) async fn expect_bytes(received: &mut UnboundedReceiver<Vec<u8>>, expected: &str) {
    let mut got = String::new();
    while got.len() < expected.len() {
        let chunk = within(expected, received.recv()).await.expect("the device is gone");
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(got, expected);
}

/// A user config naming the pseudo-terminal for TCode and the websocket identifier for Lovense.
fn user_config(port: &str, name: &str) -> PathBuf {
    let config = json!({
        "version": {"major": 5, "minor": 0},
        "user_configs": {"protocols": {
            "tcode-v03": {"communication": [{"serial": {
                "port": port, "baud_rate": 115200, "data_bits": 8, "parity": "N", "stop_bits": 1
            }}]},
            "lovense": {"communication": [{"websocket": {"name": "LVS-WsHush"}}]}
        }}
    });
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hardware-{name}.json"));
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

/// A client session that remembers the latest device list, whatever order events arrive in.
pub(crate) struct Session {
    pub(crate) client: Client,
    pub(crate) devices: Value,
    pub(crate) scanning_finished: bool,
}

impl Session {
    pub(crate) async fn open(engine: &Engine) -> Self {
        let mut client = engine.client().await;
        client.handshake().await;
        Self { client, devices: json!({}), scanning_finished: false }
    }

    /// Sends one message and returns its reply; device list events on the way are kept.
    pub(crate) async fn request(&mut self, message: Value) -> Value {
        let id = message.as_object().and_then(|m| m.values().next()).unwrap()["Id"].clone();
        self.client.send(json!([message])).await;
        loop {
            let reply = self.next().await;
            if reply.as_object().and_then(|m| m.values().next()).unwrap()["Id"] == id {
                return reply;
            }
        }
    }

    /// The names of the devices listed, in the order of the list.
    pub(crate) fn names(&self) -> Vec<&str> {
        let devices = self.devices.as_object().unwrap().values();
        devices.map(|device| device["DeviceName"].as_str().unwrap()).collect()
    }

    pub(crate) async fn next(&mut self) -> Value {
        let message = self.client.next().await;
        if let Some(devices) = message.pointer("/DeviceList/Devices") {
            self.devices = devices.clone();
        }
        if message.get("ScanningFinished").is_some() {
            self.scanning_finished = true;
        }
        message
    }

    /// Waits until the list holds exactly `names` and the scan has finished; returns the index
    /// of each name, in order.
    pub(crate) async fn wait_for(&mut self, names: &[&str]) -> Vec<u64> {
        loop {
            let listed: Vec<(&str, u64)> = self
                .devices
                .as_object()
                .unwrap()
                .values()
                .map(|d| (d["DeviceName"].as_str().unwrap(), d["DeviceIndex"].as_u64().unwrap()))
                .collect();
            if self.scanning_finished && listed.len() == names.len() {
                let index = |name: &&str| listed.iter().find(|(n, _)| n == name).map(|d| d.1);
                if let Some(indexes) = names.iter().map(index).collect::<Option<Vec<u64>>>() {
                    return indexes;
                }
            }
            self.next().await;
        }
    }

    /// Asks for the device list and scans until both devices are listed.
    async fn find_both(&mut self) -> (u64, u64) {
        self.request(json!({"RequestDeviceList": {"Id": 2}})).await;
        assert_eq!(
            self.request(json!({"StartScanning": {"Id": 3}})).await,
            json!({"Ok": {"Id": 3}})
        );
        match self.wait_for(&["Lovense Hush", "TCode v0.3 (Single Linear Axis)"]).await[..] {
            [lovense, tcode] => (lovense, tcode),
            _ => unreachable!(),
        }
    }
}

fn vibrate(id: u64, device: u64, value: u64) -> Value {
    json!({"OutputCmd": {"Id": id, "DeviceIndex": device, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": value}}}})
}

fn position(id: u64, device: u64, value: u64) -> Value {
    json!({"OutputCmd": {"Id": id, "DeviceIndex": device, "FeatureIndex": 0, "Command": {"Position": {"Value": value}}}})
}

/// An engine with `--use-serial --use-device-websocket-server`, a TCode device behind a
/// pseudo-terminal, a Lovense Hush on the device websocket server, and a client session that has
/// found both.
struct Rig {
    pty: PtyDevice,
    hush: WsDevice,
    session: Session,
    lovense: u64,
    tcode: u64,
    _engine: Engine,
}

impl Rig {
    async fn start(name: &str) -> Self {
        let pty = PtyDevice::start();
        let config = user_config(&pty.path, name);
        let mut engine = Engine::start(&[
            "--use-serial",
            "--use-device-websocket-server",
            "--device-websocket-server-port",
            "0",
            "--user-device-config-file",
            config.to_str().unwrap(),
        ])
        .await;
        let devices_url = engine.url_logged_after("listening for devices on").await;
        assert!(
            !engine.seen.iter().any(|line| line.contains("not supported")),
            "{:?}",
            engine.seen
        );
        let hello = json!({"identifier": "LVS-WsHush", "address": name, "version": 1});
        let hush =
            WsDevice::connect(&devices_url, hello, LovenseFirmware::new("Z", 11, 1, false)).await;
        let mut session = Session::open(&engine).await;
        let (lovense, tcode) = session.find_both().await;
        Self { pty, hush, session, lovense, tcode, _engine: engine }
    }
}

#[tokio::test]
async fn a_serial_and_a_websocket_device_are_found_and_driven_in_one_session() {
    let Rig { mut pty, mut hush, mut session, lovense, tcode, _engine } =
        Rig::start("ws-hush-1").await;

    assert_eq!(session.request(vibrate(10, lovense, 10)).await, json!({"Ok": {"Id": 10}}));
    assert_eq!(session.request(position(11, tcode, 500)).await, json!({"Ok": {"Id": 11}}));
    expect_bytes(&mut hush.received, "DeviceType;Vibrate:10;").await;
    expect_bytes(&mut pty.received, "L0500\nR0500\n").await;

    // A stop for everything reaches the vibrator; positions have no stop.
    assert_eq!(session.request(json!({"StopCmd": {"Id": 12}})).await, json!({"Ok": {"Id": 12}}));
    expect_bytes(&mut hush.received, "Vibrate:0;").await;
    assert_eq!(session.request(position(13, tcode, 0)).await, json!({"Ok": {"Id": 13}}));
    expect_bytes(&mut pty.received, "L0000\nR0000\n").await;
}

#[tokio::test]
async fn a_websocket_device_that_drops_mid_stream_leaves_and_the_other_is_still_served() {
    let Rig { mut pty, mut hush, mut session, lovense, tcode, _engine } =
        Rig::start("ws-hush-2").await;
    expect_bytes(&mut hush.received, "DeviceType;").await;

    // A stream of commands; the device loses its connection (no close frame) in the middle.
    let mut id = 100;
    for value in 1..=5 {
        id += 1;
        assert_eq!(session.request(vibrate(id, lovense, value)).await, json!({"Ok": {"Id": id}}));
        expect_bytes(&mut hush.received, &format!("Vibrate:{value};")).await;
    }
    hush.task.abort();
    // Until the engine registers the drop, commands are still accepted; then they get code 4.
    within("the device list without the dropped device", async {
        while session.devices.as_object().unwrap().len() == 2 {
            id += 1;
            let reply = session.request(vibrate(id, lovense, 6)).await;
            assert!(
                reply == json!({"Ok": {"Id": id}}) || reply["Error"]["ErrorCode"] == json!(4),
                "{reply}"
            );
        }
    })
    .await;
    assert_eq!(session.names(), ["TCode v0.3 (Single Linear Axis)"]);
    for _ in 0..3 {
        id += 1;
        let reply = session.request(vibrate(id, lovense, 7)).await;
        assert_eq!(
            (reply["Error"]["Id"].clone(), reply["Error"]["ErrorCode"].clone()),
            (json!(id), json!(4)),
            "{reply}"
        );
    }

    // The serial device is still served.
    assert_eq!(session.request(position(200, tcode, 250)).await, json!({"Ok": {"Id": 200}}));
    expect_bytes(&mut pty.received, "L0250\nR0250\n").await;
}

/// A websocket device with hand-written firmware: `firmware` gets each frame the engine sends,
/// and `None` every 20 ms, and gives what the device sends back. The tick stands in for a toy
/// that repeats its status until answered, since a device cannot see a subscription.
struct FrameDevice {
    received: UnboundedReceiver<Vec<u8>>,
}

impl FrameDevice {
    async fn connect(
        url: &str,
        identifier: &str,
        mut firmware: impl FnMut(Option<&[u8]>) -> Option<Vec<u8>> + Send + 'static,
    ) -> Self {
        let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let hello =
            json!({"identifier": identifier, "address": format!("ws-{identifier}"), "version": 1});
        socket.send(Message::text(hello.to_string())).await.unwrap();
        let (frames, received) = unbounded_channel();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            loop {
                let answer = tokio::select! {
                    frame = socket.next() => match frame {
                        Some(Ok(Message::Binary(data))) => {
                            let _ = frames.send(data.to_vec());
                            firmware(Some(&data))
                        }
                        Some(Ok(_)) => None,
                        _ => return,
                    },
                    _ = tick.tick() => firmware(None),
                };
                if let Some(answer) = answer
                    && socket.send(Message::binary(answer)).await.is_err()
                {
                    return;
                }
            }
        });
        Self { received }
    }

    /// A device that never sends anything.
    async fn silent(url: &str, identifier: &str) -> Self {
        Self::connect(url, identifier, |_| None).await
    }

    /// Receives frames until one equals `expected`; the ones before it must be `skippable`.
    async fn expect(&mut self, expected: &[u8], skippable: &[&[u8]]) {
        loop {
            let frame = within("a frame", self.received.recv()).await.expect("the device is gone");
            if frame == expected {
                return;
            }
            assert!(
                skippable.contains(&frame.as_slice()),
                "{frame:02x?}, waiting for {expected:02x?}"
            );
        }
    }
}

/// Lelo firmware (Harmony, F1s V2): it reports its password until the host writes it back, then
/// that it is authorised until the first command.
fn lelo_firmware() -> impl FnMut(Option<&[u8]>) -> Option<Vec<u8>> + Send + 'static {
    let mut status = Some(LELO_PASSWORD);
    move |frame| match frame {
        None => status.map(Vec::from),
        // A password report that crossed the host's answer may be answered twice.
        Some(frame) if frame == LELO_PASSWORD => {
            status = status.map(|_| LELO_AUTHORISED);
            None
        }
        Some(_) => {
            status = None;
            None
        }
    }
}

const LELO_PASSWORD: [u8; 8] = [0x5a, 0xa5, 1, 2, 3, 4, 5, 6];
const LELO_AUTHORISED: [u8; 8] = [1, 0, 0, 0, 0, 0, 0, 0];

fn output(id: u64, device: u64, feature: u64, command: Value) -> Value {
    json!({"OutputCmd": {"Id": id, "DeviceIndex": device, "FeatureIndex": feature, "Command": command}})
}

/// Websocket devices of protocols whose firmware names endpoints other than `tx` and `rx` (init
/// on `firmware` or `txmode`, motors on `txvibrate`, a pairing handshake that waits for the
/// device's notifications) are listed and driven, as the reference does (issue 17); a read,
/// which a websocket device cannot serve, is refused at once.
#[tokio::test]
async fn r17_websocket_devices_serve_every_endpoint_their_protocol_names() {
    let config = json!({
        "version": {"major": 5, "minor": 0},
        "user_configs": {"protocols": {
            "kiiroo-v2": {"communication": [{"websocket": {"name": "Launch"}}]},
            "mysteryvibe": {"communication": [{"websocket": {"name": "MV Crescendo"}}]},
            "mysteryvibe-v2": {"communication": [{"websocket": {"name": "6907 MV1"}}]},
            "lelo-f1sv2": {"communication": [{"websocket": {"name": "F1SV2A"}}]},
            "lelo-harmony": {"communication": [{"websocket": {"name": "TOR3"}}]},
            "kiiroo-prowand": {"communication": [{"websocket": {"name": "ProWand"}}]}
        }}
    });
    let (engine, url) = Engine::with_device_server(&config, "hardware-r17.json").await;
    let mut launch = FrameDevice::silent(&url, "Launch").await;
    let mut crescendo = FrameDevice::silent(&url, "MV Crescendo").await;
    let mut tenuto = FrameDevice::silent(&url, "6907 MV1").await;
    let mut f1s = FrameDevice::connect(&url, "F1SV2A", lelo_firmware()).await;
    let mut tor = FrameDevice::connect(&url, "TOR3", lelo_firmware()).await;
    let mut prowand = FrameDevice::silent(&url, "ProWand").await;

    let mut session = Session::open(&engine).await;
    // Devices listed before the session opened are only in this answer.
    session.request(json!({"RequestDeviceList": {"Id": 2}})).await;
    assert_eq!(
        session.request(json!({"StartScanning": {"Id": 3}})).await,
        json!({"Ok": {"Id": 3}})
    );
    let names = [
        "Fleshlight Launch",
        "MysteryVibe Crescendo",
        "MysteryVibe Tenuto Mini",
        "Lelo F1s V2",
        "Lelo Tor 3",
        "Kiiroo ProWand",
    ];
    let indexes = session.wait_for(&names).await;
    let [launch_at, crescendo_at, tenuto_at, f1s_at, tor_at, prowand_at] = indexes[..] else {
        unreachable!()
    };

    // Init on `firmware` and `txmode`, then commands on `tx` and `txvibrate`.
    launch.expect(&[0x00], &[]).await;
    let stroke = json!({"HwPositionWithDuration": {"Value": 99, "Duration": 500}});
    assert_eq!(session.request(output(10, launch_at, 0, stroke)).await, json!({"Ok": {"Id": 10}}));
    launch.expect(&[99, 40], &[]).await;

    crescendo.expect(&[0x43, 0x02, 0x00], &[]).await;
    let vibrate = json!({"Vibrate": {"Value": 28}});
    assert_eq!(
        session.request(output(11, crescendo_at, 0, vibrate)).await,
        json!({"Ok": {"Id": 11}})
    );
    crescendo.expect(&[28, 0, 0, 0, 0, 0], &[]).await;

    tenuto.expect(&[0x03, 0x02, 0x40], &[]).await;
    let vibrate = json!({"Vibrate": {"Value": 56}});
    assert_eq!(session.request(output(12, tenuto_at, 2, vibrate)).await, json!({"Ok": {"Id": 12}}));
    tenuto.expect(&[0, 0, 56], &[]).await;

    // The pairing handshake: the password the device reported came back on the handshake's
    // endpoint. Without `whitelist` among its named endpoints the F1s V2 is driven as a Harmony,
    // as the reference drives it over a websocket.
    f1s.expect(&LELO_PASSWORD, &[]).await;
    let vibrate = json!({"Vibrate": {"Value": 50}});
    assert_eq!(session.request(output(13, f1s_at, 1, vibrate)).await, json!({"Ok": {"Id": 13}}));
    f1s.expect(&[0x0a, 0x12, 0x02, 0x08, 0, 0, 0, 0, 50, 0], &[&LELO_PASSWORD]).await;
    tor.expect(&LELO_PASSWORD, &[]).await;
    let vibrate = json!({"Vibrate": {"Value": 100}});
    assert_eq!(session.request(output(14, tor_at, 0, vibrate)).await, json!({"Ok": {"Id": 14}}));
    tor.expect(&[0x0a, 0x12, 0x01, 0x08, 0, 0, 0, 0, 100, 0], &[&LELO_PASSWORD]).await;

    // A battery read needs a read from the device: refused at once, nothing sent.
    let read = json!({"InputCmd": {"Id": 15, "DeviceIndex": prowand_at, "FeatureIndex": 1, "Type": "Battery", "Command": "Read"}});
    let reply = session.request(read).await;
    assert_eq!(
        (&reply["Error"]["Id"], &reply["Error"]["ErrorCode"]),
        (&json!(15), &json!(4)),
        "{reply}"
    );
    let why = reply["Error"]["ErrorMessage"].as_str().unwrap();
    assert!(why.contains("nothing can be read"), "{why}");
    let vibrate = json!({"Vibrate": {"Value": 100}});
    assert_eq!(
        session.request(output(16, prowand_at, 0, vibrate)).await,
        json!({"Ok": {"Id": 16}})
    );
    prowand.expect(&[0x00, 0x00, 0x64, 0xff, 100, 100], &[]).await;

    // A stop reaches every motor; the MysteryVibes resend their packet until then.
    assert_eq!(session.request(json!({"StopCmd": {"Id": 17}})).await, json!({"Ok": {"Id": 17}}));
    crescendo.expect(&[0; 6], &[&[28, 0, 0, 0, 0, 0]]).await;
    tenuto.expect(&[0; 3], &[&[0, 0, 56]]).await;
    f1s.expect(&[0x0a, 0x12, 0x01, 0x08, 0, 0, 0, 0, 0, 0], &[]).await;
    f1s.expect(&[0x0a, 0x12, 0x02, 0x08, 0, 0, 0, 0, 0, 0], &[]).await;
    tor.expect(&[0x0a, 0x12, 0x01, 0x08, 0, 0, 0, 0, 0, 0], &[]).await;
    prowand.expect(&[0x00, 0x00, 0x64, 0x00, 0, 0], &[]).await;
}

/// What a differential run against the reference found bpio doing differently with websocket
/// devices (issue 17): a Galaku battery read subscribes to `rxblebattery` and asks on `tx`, the
/// answer arriving as a frame; Libo Elle's vibrator takes its level on `txmode`; a resting
/// Sexverse v3 hears its stop packet repeated from the connection on.
#[tokio::test]
async fn r17_websocket_devices_send_what_the_reference_sends() {
    let config = json!({
        "version": {"major": 5, "minor": 0},
        "user_configs": {"protocols": {
            "galaku": {"communication": [{"websocket": {"name": "TFG1"}}]},
            "libo-elle": {"communication": [{"websocket": {"name": "PiPiJing"}}]},
            "sexverse-v3": {"communication": [{"websocket": {"name": "TAY001"}}]}
        }}
    });
    let (engine, url) = Engine::with_device_server(&config, "hardware-r17-differences.json").await;
    // The Galaku answers its battery request with 87 %.
    let mut galaku = FrameDevice::connect(&url, "TFG1", |frame| {
        (frame == Some(&GALAKU_BATTERY_REQUEST[..])).then(|| vec![87])
    })
    .await;
    let mut elle = FrameDevice::silent(&url, "PiPiJing").await;
    let mut tay = FrameDevice::silent(&url, "TAY001").await;

    let mut session = Session::open(&engine).await;
    session.request(json!({"RequestDeviceList": {"Id": 2}})).await;
    assert_eq!(
        session.request(json!({"StartScanning": {"Id": 3}})).await,
        json!({"Ok": {"Id": 3}})
    );
    let names = ["Galaku Aurora Aircraft Cup", "LiBo Elle", "Sexverse Tay 1"];
    let indexes = session.wait_for(&names).await;
    let [galaku_at, elle_at, _] = indexes[..] else { unreachable!() };

    // Before any command, the resting keep-alive.
    tay.expect(&[0xa1, 0x04, 0x00, 0x01], &[]).await;

    let vibrate = json!({"Vibrate": {"Value": 1}});
    assert_eq!(session.request(output(10, elle_at, 0, vibrate)).await, json!({"Ok": {"Id": 10}}));
    elle.expect(&[0x01], &[]).await;

    let read = json!({"InputCmd": {"Id": 11, "DeviceIndex": galaku_at, "FeatureIndex": 2, "Type": "Battery", "Command": "Read"}});
    let reading = session.request(read).await;
    assert_eq!(reading["InputReading"]["Id"], json!(11), "{reading}");
    assert_eq!(reading["InputReading"]["Reading"]["Battery"]["Value"], json!(87), "{reading}");
    galaku.expect(&GALAKU_BATTERY_REQUEST, &[]).await;
}

/// Galaku's scrambled battery request (payload `5a 00 00 01 13 00 00 00 00 00`).
const GALAKU_BATTERY_REQUEST: [u8; 12] =
    [0x23, 0x81, 0xbb, 0xab, 0xd2, 0xce, 0xd3, 0x23, 0xbb, 0xa3, 0x3b, 0xc2];

#[tokio::test]
async fn the_device_server_listens_where_the_client_server_does() {
    let mut engine =
        Engine::start(&["--use-device-websocket-server", "--device-websocket-server-port", "0"])
            .await;
    let url = engine.url_logged_after("listening for devices on").await;
    assert!(url.starts_with("ws://127.0.0.1:"), "loopback by default: {url}");
    drop(engine);
    let mut engine = Engine::start(&[
        "--use-device-websocket-server",
        "--device-websocket-server-port",
        "0",
        "--websocket-use-all-interfaces",
    ])
    .await;
    let url = engine.url_logged_after("listening for devices on").await;
    assert!(url.starts_with("ws://0.0.0.0:"), "all interfaces when asked: {url}");
}

#[tokio::test]
async fn a_taken_device_port_is_one_clear_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let args = ["--websocket-port", "0", "--use-device-websocket-server"];
    let args = [&args[..], &["--device-websocket-server-port", &port]].concat();
    refused_for_taken_port(&args, &port, "--device-websocket-server-port").await;
}

/// A backend with nothing to find (or, for Bluetooth LE, no adapter to open) still ends a scan.
async fn a_scan_finishes_with(flag: &str) {
    a_scan_finishes(&Engine::start(&[flag]).await).await;
}

async fn a_scan_finishes(engine: &Engine) {
    assert!(!engine.seen.iter().any(|line| line.contains("not supported")), "{:?}", engine.seen);
    let mut session = Session::open(engine).await;
    assert_eq!(
        session.request(json!({"StartScanning": {"Id": 2}})).await,
        json!({"Ok": {"Id": 2}})
    );
    within("the end of the scan", async {
        while !session.scanning_finished {
            session.next().await;
        }
    })
    .await;
}

#[tokio::test]
async fn with_use_hid_a_scan_finishes_on_a_machine_without_hid_devices() {
    a_scan_finishes_with("--use-hid").await;
}

/// The USB backend runs, looking for the devices of the database's `usb` specifiers (the Rez
/// TranceVibrator, 0b49:064f), and its scan ends on a machine without them.
#[tokio::test]
async fn with_use_usb_the_usb_devices_of_the_database_are_looked_for_and_a_scan_finishes() {
    let mut engine = Engine::start(&["--use-usb", "--log", "debug"]).await;
    let wanted = within("the USB backend", async {
        loop {
            let line = engine.log.recv().await.expect("engine exited before starting USB");
            engine.seen.push(line.clone());
            if line.contains("USB devices named in the device config") {
                return line;
            }
        }
    })
    .await;
    assert!(wanted.contains("UsbId { vendor_id: 2889, product_id: 1615 }"), "{wanted}");
    a_scan_finishes(&engine).await;
}

#[tokio::test]
async fn with_use_sdl_gamepad_a_scan_finishes_on_a_machine_without_gamepads() {
    a_scan_finishes_with("--use-sdl-gamepad").await;
}

#[tokio::test]
async fn use_xinput_is_the_old_name_of_use_sdl_gamepad() {
    a_scan_finishes_with("--use-xinput").await;
}

#[tokio::test]
async fn with_use_bluetooth_le_a_scan_finishes_on_a_machine_without_an_adapter() {
    a_scan_finishes_with("--use-bluetooth-le").await;
}

/// SIGTERM and SIGINT stop every device before the engine exits: the websocket device, driven
/// by a client that is still connected, receives its stop bytes, and the engine exits cleanly.
async fn a_signal_stops_every_device(signal: &str, name: &str) {
    let Rig { mut hush, mut session, lovense, _engine: mut engine, .. } = Rig::start(name).await;
    assert_eq!(session.request(vibrate(10, lovense, 10)).await, json!({"Ok": {"Id": 10}}));
    expect_bytes(&mut hush.received, "DeviceType;Vibrate:10;").await;
    let pid = engine.child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill").args([signal, &pid]).status().unwrap();
    assert!(sent.success());
    expect_bytes(&mut hush.received, "Vibrate:0;").await;
    let status = within("the engine to exit", engine.child.wait()).await.unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn sigterm_stops_every_device_before_the_engine_exits() {
    a_signal_stops_every_device("-TERM", "ws-hush-term").await;
}

#[tokio::test]
async fn sigint_stops_every_device_before_the_engine_exits() {
    a_signal_stops_every_device("-INT", "ws-hush-int").await;
}
