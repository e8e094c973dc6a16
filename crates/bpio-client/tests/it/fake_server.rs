//! A scripted server on a real loopback websocket: each test plays the server's side message by
//! message, misbehaving on purpose.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bpio_client::{
    Capability, Client, ClientConfig, ConnectorError, Error, Event, InputCommandType, InputType,
    OutputType, Reading, TlsRoots, WebsocketConnector,
};
use bpio_transport_ws::{self as ws, Connection, Inbound};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::within;

/// The server's side of the client's connection.
struct Peer(Connection);

impl Peer {
    /// The next message from the client, as its name and body.
    async fn next(&mut self) -> (String, Value) {
        match within("a message from the client", self.0.recv()).await {
            Inbound::Text(text) => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                let [message] = frame.as_array().unwrap().as_slice() else {
                    panic!("one message per transmission: {text}")
                };
                let (name, body) = message.as_object().unwrap().iter().next().unwrap();
                (name.clone(), body.clone())
            }
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The body of the next message, which must be `name`.
    async fn expect(&mut self, name: &str) -> Value {
        let (got, body) = self.next().await;
        assert_eq!(got, name, "{body}");
        body
    }

    fn send(&self, messages: Value) {
        self.send_text(&messages.to_string());
    }

    fn send_text(&self, text: &str) {
        assert!(self.0.send(text.to_owned()));
    }

    fn ok(&self, request: &Value) {
        self.send(json!([{"Ok": {"Id": request["Id"]}}]));
    }

    /// Answers the next message, which must be a `Ping`.
    async fn answer_ping(&mut self) {
        let ping = self.expect("Ping").await;
        self.ok(&ping);
    }

    /// Has the client ping, and answers: the ping is the next message the server sees.
    async fn round_trip(&mut self, client: &Client) {
        let pinger = client.clone();
        let pinging = tokio::spawn(async move { pinger.ping().await });
        self.answer_ping().await;
        within("the ping", pinging).await.unwrap().unwrap();
    }
}

/// A device whose features are `features`, indexed in order.
fn device(index: u32, name: &str, features: &[Value]) -> Value {
    let features: serde_json::Map<String, Value> = features
        .iter()
        .enumerate()
        .map(|(at, feature)| {
            let mut feature = feature.clone();
            feature["FeatureIndex"] = json!(at);
            feature["FeatureDescription"] = json!("");
            (at.to_string(), feature)
        })
        .collect();
    json!({"DeviceIndex": index, "DeviceName": name, "DeviceMessageTimingGap": 0, "DeviceFeatures": features})
}

/// A device list holding `devices`.
fn list(devices: &[Value]) -> Value {
    let devices: serde_json::Map<String, Value> =
        devices.iter().map(|device| (device["DeviceIndex"].to_string(), device.clone())).collect();
    Value::Object(devices)
}

fn vibrator() -> Value {
    json!({"Output": {"Vibrate": {"Value": [0, 20]}}})
}

fn input(name: &str, commands: &[&str]) -> Value {
    json!({"Input": {name: {"Value": [[0, 100]], "Command": commands}}})
}

/// A client connecting to a fresh fake server, and the server's side once it has accepted.
async fn accept(config: ClientConfig) -> (JoinHandle<Result<Client, Error>>, Peer) {
    let mut listener =
        ws::listen(SocketAddr::from(([127, 0, 0, 1], 0)), ws::Config::default()).await.unwrap();
    let url = format!("ws://{}", listener.local_addr());
    let connecting =
        tokio::spawn(Client::connect_with("fake test", WebsocketConnector::new(url), config));
    (connecting, Peer(within("the client", listener.accept()).await.unwrap()))
}

/// A client connected to a fake server whose handshake gives `max_ping_time` and whose device
/// list is `devices`.
async fn connect_with(devices: Value, max_ping_time: u32, config: ClientConfig) -> (Client, Peer) {
    let (connecting, mut peer) = accept(config).await;
    let hello = peer.expect("RequestServerInfo").await;
    assert_eq!(
        (&hello["ClientName"], &hello["ProtocolVersionMajor"], &hello["ProtocolVersionMinor"]),
        (&json!("fake test"), &json!(4), &json!(0))
    );
    peer.send(json!([{"ServerInfo": {"Id": hello["Id"], "ServerName": "fake", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0, "MaxPingTime": max_ping_time}}]));
    let request = peer.expect("RequestDeviceList").await;
    peer.send(json!([{"DeviceList": {"Id": request["Id"], "Devices": devices}}]));
    let client = within("the handshake", connecting).await.unwrap().unwrap();
    (client, peer)
}

async fn connect(devices: Value) -> (Client, Peer) {
    connect_with(devices, 0, ClientConfig::default()).await
}

/// The next event, which there must be.
async fn next_event(events: &mut bpio_client::EventStream) -> Event {
    within("an event", events.next()).await.expect("an event, not the end of the stream")
}

#[tokio::test]
async fn replies_in_any_order_reach_their_own_request() {
    let devices = list(&[
        device(0, "Gauge", &[input("Battery", &["Read"])]),
        device(1, "Radio", &[input("Rssi", &["Read"])]),
    ]);
    let (client, mut peer) = connect(devices).await;
    let (gauge, radio) = (client.device(0).unwrap(), client.device(1).unwrap());
    let reads = tokio::spawn(async move { tokio::join!(gauge.battery(), radio.rssi()) });
    let scanner = client.clone();
    let scan = tokio::spawn(async move { scanner.start_scanning().await });

    let mut requests = Vec::new();
    for _ in 0..3 {
        requests.push(peer.next().await);
    }
    let id_of = |name: &str, device: Option<u32>| {
        let (_, body) = requests
            .iter()
            .find(|(n, body)| n == name && device.is_none_or(|d| body["DeviceIndex"] == json!(d)))
            .unwrap();
        body["Id"].clone()
    };
    let (battery_id, rssi_id) = (id_of("InputCmd", Some(0)), id_of("InputCmd", Some(1)));
    let scan_id = id_of("StartScanning", None);
    // The last request first, two replies in one transmission, the first request last.
    peer.send(json!([
        {"InputReading": {"Id": rssi_id, "DeviceIndex": 1, "FeatureIndex": 0, "Reading": {"Rssi": {"Value": -61}}}},
        {"Error": {"Id": scan_id, "ErrorCode": 4, "ErrorMessage": "no backend can scan"}}
    ]));
    peer.send(json!([{"InputReading": {"Id": battery_id, "DeviceIndex": 0, "FeatureIndex": 0, "Reading": {"Battery": {"Value": 77}}}}]));

    let (battery, rssi) = within("the reads", reads).await.unwrap();
    assert_eq!((battery.unwrap(), rssi.unwrap()), (77, -61));
    let scanned = within("the scan", scan).await.unwrap();
    assert!(
        matches!(&scanned, Err(Error::Device(text)) if text == "no backend can scan"),
        "{scanned:?}"
    );
}

#[tokio::test]
async fn a_late_reply_fails_with_a_timeout_and_is_then_ignored() {
    let timeout = Duration::from_millis(300);
    let config = ClientConfig::default().with_request_timeout(timeout);
    let (client, mut peer) = connect_with(list(&[]), 0, config).await;
    let started = Instant::now();
    let pinger = client.clone();
    let pinging = tokio::spawn(async move { pinger.ping().await });
    let first = peer.expect("Ping").await;
    let result = within("the timeout", pinging).await.unwrap();
    assert!(matches!(result, Err(Error::Timeout(after)) if after == timeout), "{result:?}");
    assert!(started.elapsed() >= timeout);

    // The reply arrives after all; it matches nothing, and the next request gets its own.
    peer.ok(&first);
    let pinger = client.clone();
    let pinging = tokio::spawn(async move { pinger.ping().await });
    let second = peer.expect("Ping").await;
    assert_ne!(second["Id"], first["Id"]);
    peer.ok(&second);
    within("the second ping", pinging).await.unwrap().unwrap();
}

#[tokio::test]
async fn unreadable_messages_fail_the_request_they_name_or_become_error_events() {
    let (client, mut peer) =
        connect(list(&[device(0, "Gauge", &[input("Battery", &["Read"])])])).await;
    let mut events = client.events();
    assert!(matches!(next_event(&mut events).await, Event::DeviceAdded(_)));

    // Unattributable garbage is reported as an event, and the connection goes on.
    for garbage in ["this is not JSON", r#"[{"Pong": {"Id": 0}}]"#, r#"{"Ok": {"Id": 1}}"#] {
        peer.send_text(garbage);
        let event = next_event(&mut events).await;
        assert!(matches!(event, Event::Error(Error::Unreadable(_))), "{garbage}: {event:?}");
    }

    // A broken reply that names its request fails that request at once, not by timeout.
    let gauge = client.device(0).unwrap();
    let reading = tokio::spawn(async move { gauge.battery().await });
    let read = peer.expect("InputCmd").await;
    peer.send(json!([{"InputReading": {"Id": read["Id"], "DeviceIndex": 0, "FeatureIndex": 0, "Reading": "full"}}]));
    let result = within("the failed read", reading).await.unwrap();
    assert!(
        matches!(result, Err(Error::Unreadable(ref err)) if err.id == read["Id"]),
        "{result:?}"
    );

    // A reply of the wrong kind.
    let pinger = client.clone();
    let pinging = tokio::spawn(async move { pinger.ping().await });
    let ping = peer.expect("Ping").await;
    peer.send(json!([{"ServerInfo": {"Id": ping["Id"], "ServerName": "again", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0, "MaxPingTime": 0}}]));
    let result = within("the ping", pinging).await.unwrap();
    assert!(
        matches!(result, Err(Error::UnexpectedReply { expected: "Ok", got: "ServerInfo" })),
        "{result:?}"
    );

    peer.round_trip(&client).await;
}

#[tokio::test]
async fn a_dropped_connection_fails_every_waiting_request_at_once() {
    // Long enough that only the drop can end the requests within the test's patience.
    let config = ClientConfig::default().with_request_timeout(Duration::from_secs(3600));
    let devices = list(&[device(0, "Toy", &[vibrator(), input("Battery", &["Read"])])]);
    let (client, mut peer) = connect_with(devices, 0, config).await;
    let mut events = client.events();
    assert!(matches!(next_event(&mut events).await, Event::DeviceAdded(_)));
    let toy = client.device(0).unwrap();
    let (pinger, reader) = (client.clone(), toy.clone());
    let calls = tokio::spawn(async move {
        tokio::join!(pinger.ping(), reader.battery(), reader.vibrate(5), reader.stop())
    });
    for _ in 0..4 {
        peer.next().await;
    }
    drop(peer);

    let (ping, battery, vibrate, stop) = within("the failed requests", calls).await.unwrap();
    let closed = |result: Result<(), Error>| {
        assert!(matches!(result, Err(Error::Connector(ConnectorError::Closed))), "{result:?}");
    };
    closed(ping);
    closed(battery.map(drop));
    closed(vibrate);
    closed(stop);
    assert!(matches!(next_event(&mut events).await, Event::ServerDisconnect));
    assert!(within("the end of the events", events.next()).await.is_none());
    assert!(!client.is_connected() && !toy.is_connected() && client.devices().is_empty());
    assert!(matches!(client.ping().await, Err(Error::Connector(ConnectorError::Closed))));
}

#[tokio::test]
async fn device_list_changes_become_added_and_removed_events() {
    let hush = device(0, "Hush", &[vibrator()]);
    let (client, mut peer) = connect(list(std::slice::from_ref(&hush))).await;
    let old_hush = client.device(0).unwrap();
    let mut events = client.events();
    let name = |event: Event| match event {
        Event::DeviceAdded(device) => format!("+{} {}", device.index(), device.name()),
        Event::DeviceRemoved(device) => format!("-{} {}", device.index(), device.name()),
        other => panic!("{other:?}"),
    };
    assert_eq!(name(next_event(&mut events).await), "+0 Hush");

    let edge = device(1, "Edge", &[vibrator(), vibrator()]);
    peer.send(json!([{"DeviceList": {"Id": 0, "Devices": list(&[hush.clone(), edge.clone()])}}]));
    assert_eq!(name(next_event(&mut events).await), "+1 Edge");
    // Index 0 now belongs to another device: the old one is removed, the new one added.
    let nora = device(0, "Nora", &[vibrator()]);
    peer.send(json!([{"DeviceList": {"Id": 0, "Devices": list(&[nora, edge])}}]));
    assert_eq!(name(next_event(&mut events).await), "-0 Hush");
    assert_eq!(name(next_event(&mut events).await), "+0 Nora");
    assert!(!old_hush.is_connected());
    assert_eq!(client.device(0).unwrap().name(), "Nora");

    // The stale handle must not drive the device that took its index.
    let refused = old_hush.vibrate(3).await;
    assert!(matches!(refused, Err(Error::DeviceGone(0))), "{refused:?}");
    peer.round_trip(&client).await;

    peer.send(json!([{"DeviceList": {"Id": 0, "Devices": {}}}]));
    assert_eq!(name(next_event(&mut events).await), "-0 Nora");
    assert_eq!(name(next_event(&mut events).await), "-1 Edge");
    assert!(client.devices().is_empty());
}

#[tokio::test]
async fn helpers_a_feature_does_not_support_fail_without_sending_anything() {
    let devices = list(&[device(0, "Toy", &[vibrator(), input("Battery", &["Read"])])]);
    let (client, mut peer) = connect(devices).await;
    let toy = client.device(0).unwrap();
    let (motor, gauge) = (toy.feature(0).unwrap(), toy.feature(1).unwrap());
    let unsupported =
        |result: Result<(), Error>, feature: Option<u32>, capability: Capability| match result {
            Err(Error::Unsupported { device: 0, feature: f, capability: c })
                if f == feature && c == capability => {}
            other => panic!("expected {capability} unsupported, got {other:?}"),
        };
    unsupported(toy.rotate(0.5).await, None, Capability::Output(OutputType::Rotate));
    unsupported(gauge.vibrate(1).await, Some(1), Capability::Output(OutputType::Vibrate));
    unsupported(
        motor.rotate_with_direction(0.5, true).await,
        Some(0),
        Capability::Output(OutputType::Rotate),
    );
    unsupported(
        toy.position_with_duration(0.5, Duration::from_millis(100)).await,
        None,
        Capability::Output(OutputType::HwPositionWithDuration),
    );
    unsupported(
        toy.rssi().await.map(drop),
        None,
        Capability::Input(InputType::Rssi, InputCommandType::Read),
    );
    unsupported(
        gauge.subscribe(InputType::Battery).await.map(drop),
        Some(1),
        Capability::Input(InputType::Battery, InputCommandType::Subscribe),
    );
    unsupported(
        motor.read(InputType::Battery).await.map(drop),
        Some(0),
        Capability::Input(InputType::Battery, InputCommandType::Read),
    );
    for level in [bpio_client::Level::Steps(21), bpio_client::Level::Fraction(1.5)] {
        let result = motor.vibrate(level).await;
        assert!(matches!(result, Err(Error::OutOfRange { .. })), "{result:?}");
    }
    // The output type chosen at run time is checked the same way; a timed position needs its
    // duration.
    unsupported(
        toy.output(OutputType::Oscillate, 0.5).await,
        None,
        Capability::Output(OutputType::Oscillate),
    );
    let timed = motor.output(OutputType::HwPositionWithDuration, 0.5).await;
    assert!(matches!(timed, Err(Error::NeedsDuration)), "{timed:?}");

    // The next thing the server sees is this ping: none of the above was sent.
    peer.round_trip(&client).await;

    // What does go out: the same command as the named helper's.
    let driving = tokio::spawn(async move { motor.output(OutputType::Vibrate, 0.5).await });
    let command = peer.expect("OutputCmd").await;
    assert_eq!(command["Command"], json!({"Vibrate": {"Value": 10}}), "{command}");
    peer.ok(&command);
    within("the output", driving).await.unwrap().unwrap();
}

#[tokio::test]
async fn subscriptions_get_their_readings_and_dropping_the_last_unsubscribes() {
    let squeeze = input("Pressure", &["Read", "Subscribe"]);
    let (client, mut peer) =
        connect(list(&[device(0, "Sensor", &[squeeze.clone(), squeeze])])).await;
    let sensor = client.device(0).unwrap();
    let mut events = client.events();
    next_event(&mut events).await;

    let feature = sensor.feature(1).unwrap();
    let subscribing = tokio::spawn(async move { feature.subscribe(InputType::Pressure).await });
    let request = peer.expect("InputCmd").await;
    assert_eq!(
        (&request["FeatureIndex"], &request["Type"], &request["Command"]),
        (&json!(1), &json!("Pressure"), &json!("Subscribe"))
    );
    peer.ok(&request);
    let mut subscription = within("the subscription", subscribing).await.unwrap().unwrap();

    // A reading of the other feature reaches the events but not this stream.
    for (feature, value) in [(0, 5), (1, 1830)] {
        peer.send(json!([{"InputReading": {"Id": 0, "DeviceIndex": 0, "FeatureIndex": feature, "Reading": {"Pressure": {"Value": value}}}}]));
        let event = next_event(&mut events).await;
        assert!(
            matches!(event, Event::InputReading { device: 0, feature: f, reading: Reading::Pressure(r) } if f == feature && r.value == value),
            "{event:?}"
        );
    }
    let reading = within("the reading", subscription.next()).await.unwrap();
    assert_eq!(reading.value(), 1830);

    drop(subscription);
    let request = peer.expect("InputCmd").await;
    assert_eq!((&request["FeatureIndex"], &request["Command"]), (&json!(1), &json!("Unsubscribe")));
}

#[tokio::test]
async fn the_client_pings_at_half_the_max_ping_time() {
    let started = Instant::now();
    let (_client, mut peer) = connect_with(list(&[]), 400, ClientConfig::default()).await;
    for _ in 0..3 {
        peer.answer_ping().await;
    }
    // Ticks never come early: the third is at least three half-periods after the handshake.
    assert!(started.elapsed() >= Duration::from_millis(600), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_ping_timeout_event_is_reported_before_the_disconnect() {
    let (client, peer) = connect(list(&[])).await;
    let mut events = client.events();
    peer.send(json!([{"Error": {"Id": 0, "ErrorCode": 2, "ErrorMessage": "no Ping in time"}}]));
    drop(peer);
    let event = next_event(&mut events).await;
    assert!(
        matches!(&event, Event::Error(Error::Ping(text)) if text == "no Ping in time"),
        "{event:?}"
    );
    assert!(matches!(next_event(&mut events).await, Event::ServerDisconnect));
}

#[tokio::test]
async fn a_refused_handshake_or_another_major_version_fails_connect() {
    let (connecting, mut peer) = accept(ClientConfig::default()).await;
    let hello = peer.expect("RequestServerInfo").await;
    peer.send(json!([{"Error": {"Id": hello["Id"], "ErrorCode": 1, "ErrorMessage": "go away"}}]));
    let refused = within("the refusal", connecting).await.unwrap();
    assert!(matches!(&refused, Err(Error::Handshake(text)) if text == "go away"), "{refused:?}");

    let (connecting, mut peer) = accept(ClientConfig::default()).await;
    let hello = peer.expect("RequestServerInfo").await;
    peer.send(json!([{"ServerInfo": {"Id": hello["Id"], "ServerName": "future", "ProtocolVersionMajor": 5, "ProtocolVersionMinor": 2, "MaxPingTime": 0}}]));
    let refused = within("the refusal", connecting).await.unwrap();
    assert!(matches!(refused, Err(Error::ServerVersion { major: 5, minor: 2 })), "{refused:?}");
}

#[tokio::test]
async fn connecting_where_nothing_listens_is_a_connector_error() {
    // Bind and drop, so the port is (very likely) free.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let result =
        Client::connect("nobody", WebsocketConnector::new(format!("ws://127.0.0.1:{port}"))).await;
    assert!(matches!(result, Err(Error::Connector(ConnectorError::Connect(_)))), "{result:?}");
}

#[tokio::test]
async fn a_wss_server_is_reached_with_trusted_roots_and_its_token_but_not_without() {
    let scratch = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let generated = rcgen::generate_simple_self_signed(["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (scratch.join("client-wss-cert.pem"), scratch.join("client-wss-key.pem"));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let config = ws::Config {
        tls: Some(ws::TlsIdentity::from_pem_files(&cert, &key).unwrap()),
        token: Some(ws::Token::new("sesame").unwrap()),
        ..ws::Config::default()
    };
    let mut listener = ws::listen(SocketAddr::from(([127, 0, 0, 1], 0)), config).await.unwrap();
    let url = format!("wss://{}", listener.local_addr());
    let roots = TlsRoots::from_pem_file(&cert).unwrap();

    // No roots: refused before anything is sent. Roots but no token: the server says 401.
    let refused = Client::connect("wss test", WebsocketConnector::new(&url)).await;
    assert!(matches!(refused, Err(Error::Connector(ConnectorError::Connect(_)))), "{refused:?}");
    let connector = WebsocketConnector::new(&url).with_tls_roots(roots.clone());
    let refused = Client::connect("wss test", connector).await;
    assert!(matches!(refused, Err(Error::Connector(ConnectorError::Connect(_)))), "{refused:?}");

    let connector = WebsocketConnector::new(format!("{url}/?token=sesame")).with_tls_roots(roots);
    let connecting = tokio::spawn(Client::connect("wss test", connector));
    let mut peer = Peer(within("the wss client", listener.accept()).await.unwrap());
    let hello = peer.expect("RequestServerInfo").await;
    peer.send(json!([{"ServerInfo": {"Id": hello["Id"], "ServerName": "fake", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0, "MaxPingTime": 0}}]));
    let request = peer.expect("RequestDeviceList").await;
    peer.send(json!([{"DeviceList": {"Id": request["Id"], "Devices": {}}}]));
    let client = within("the handshake", connecting).await.unwrap().unwrap();
    peer.round_trip(&client).await;
}
