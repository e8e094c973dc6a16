//! The engine on a real MQTT broker (docs/MQTT.md): Debian's mosquitto on a loopback port with
//! TLS, accounts and an access list. A remote client reaches the engine through it while a local
//! websocket client drives another device of the same engine; the broker keeps out who it must;
//! a remote client that dies, and a broker that goes, stop what the remote sessions ran.
//!
//! The devices are Lovense toys on the engine's device websocket server, so the test reads every
//! byte they get.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use bpio::hardware::sim::LovenseFirmware;
use bpio_test_mosquitto::{Broker, Options};
use rumqttc::{
    AsyncClient, Event, EventLoop, LastWill, MqttOptions, Packet, QoS, TlsConfiguration, Transport,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

use crate::hardware::{WsDevice, expect_bytes};
use crate::{DEVICE_SERVER, Engine, within};

const ENGINE_PASSWORD: &str = "engine-secret";

/// A broker with TLS, the engine's account, two apps' accounts, and the access list of
/// docs/MQTT.md: each client writes only its own command topic and reads only its own replies.
fn broker() -> Broker {
    Broker::start(
        Options::new()
            .tls()
            .account("engine", ENGINE_PASSWORD)
            .account("phone", "phone-secret")
            .account("game", "game-secret")
            .account("ha", "ha-secret")
            .acl("user engine")
            .acl("topic readwrite bpio/#")
            .acl("topic readwrite homeassistant/#")
            .acl("user ha")
            .acl("topic readwrite homeassistant/#")
            .acl("topic readwrite bpio/+/ha/#")
            .acl("pattern write bpio/+/command/%c")
            .acl("pattern read bpio/+/reply/%c")
            .acl("pattern read bpio/+/status")
            .acl("pattern read bpio/+/devices"),
    )
    .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// An engine on `broker` as `home`, with the device websocket server for Lovense toys named
/// `LVS-WsHush`; the URL devices connect to.
async fn engine_on(broker: &Broker, extra: &[&str]) -> (Engine, String) {
    let password = scratch("mqtt-engine-password");
    std::fs::write(&password, format!("{ENGINE_PASSWORD}\n")).unwrap();
    let config = json!({
        "version": {"major": 5, "minor": 0},
        "user_configs": {"protocols": {"lovense": {"communication": [{"websocket": {"name": "LVS-WsHush"}}]}}}
    });
    let config_file = scratch("mqtt-user-config.json");
    std::fs::write(&config_file, config.to_string()).unwrap();
    let url = broker.url();
    let flags = [
        "--mqtt-url",
        &url,
        "--mqtt-ca",
        broker.ca_file().unwrap().to_str().unwrap(),
        "--mqtt-username",
        "engine",
        "--mqtt-password-file",
        password.to_str().unwrap(),
        "--mqtt-name",
        "home",
        "--user-device-config-file",
        config_file.to_str().unwrap(),
    ];
    let mut engine = Engine::start(&[&DEVICE_SERVER[..], &flags, extra].concat()).await;
    let devices = engine.url_logged_after("listening for devices on").await;
    (engine, devices)
}

/// A raw MQTT client of the test, `id` with `password` (the account is the id).
struct Remote {
    client: AsyncClient,
    /// Messages on the topics it subscribed to, as (topic, payload).
    messages: mpsc::UnboundedReceiver<(String, Vec<u8>)>,
    /// Refusals of the broker, as text.
    refused: mpsc::UnboundedReceiver<String>,
}

fn mqtt_options(broker: &Broker, id: &str, password: &str) -> MqttOptions {
    let mut options = MqttOptions::new(id, "127.0.0.1", broker.port());
    options.set_credentials(id, password).set_keep_alive(Duration::from_secs(5));
    options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls(broker))));
    options
}

fn tls(broker: &Broker) -> Arc<rustls::ClientConfig> {
    Arc::new(broker.client_tls().unwrap().unwrap())
}

impl Remote {
    async fn connect(options: MqttOptions, subscribe: &[&str]) -> Self {
        let (client, eventloop) = AsyncClient::new(options, 64);
        let (messages_tx, messages) = mpsc::unbounded_channel();
        let (refused_tx, refused) = mpsc::unbounded_channel();
        let (subscribed_tx, mut subscribed) = mpsc::unbounded_channel();
        tokio::spawn(pump(eventloop, messages_tx, refused_tx, subscribed_tx));
        for topic in subscribe {
            client.subscribe(*topic, QoS::AtLeastOnce).await.unwrap();
        }
        for _ in subscribe {
            within("the subscription", subscribed.recv()).await;
        }
        Self { client, messages, refused }
    }

    async fn send(&self, id: &str, message: Value) {
        let topic = format!("bpio/home/command/{id}");
        self.client
            .publish(topic, QoS::AtLeastOnce, false, json!([message]).to_string())
            .await
            .unwrap();
    }

    /// The next message on `topic`, as JSON.
    async fn next_on(&mut self, topic: &str) -> Value {
        serde_json::from_slice(&self.next_raw(topic).await).unwrap()
    }

    /// The next message on `topic`.
    async fn next_raw(&mut self, topic: &str) -> Vec<u8> {
        loop {
            let (on, payload) = within(topic, self.messages.recv()).await.unwrap();
            if on == topic {
                return payload;
            }
        }
    }

    /// The next reply or event of the engine for client `id`.
    async fn reply(&mut self, id: &str) -> Value {
        let mut frame = self.next_on(&format!("bpio/home/reply/{id}")).await;
        frame[0].take()
    }

    /// Handshake as a v4 client; the `ServerInfo`.
    async fn handshake(&mut self, id: &str) -> Value {
        self.send(id, json!({"RequestServerInfo": {"Id": 1, "ClientName": id, "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0}})).await;
        self.reply(id).await
    }
}

async fn pump(
    mut eventloop: EventLoop,
    messages: mpsc::UnboundedSender<(String, Vec<u8>)>,
    refused: mpsc::UnboundedSender<String>,
    subscribed: mpsc::UnboundedSender<()>,
) {
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::Publish(p))) => {
                let _ = messages.send((p.topic.clone(), p.payload.to_vec()));
            }
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                let _ = subscribed.send(());
            }
            Ok(_) => {}
            Err(err) => {
                let _ = refused.send(err.to_string());
                return;
            }
        }
    }
}

/// Pings for session `id` every half second, as a client must within `MaxPingTime`.
fn keep_pinging(client: AsyncClient, id: &'static str) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for n in 100.. {
            let ping = json!([{"Ping": {"Id": n}}]).to_string();
            let topic = format!("bpio/home/command/{id}");
            if client.publish(topic, QoS::AtLeastOnce, false, ping).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}

/// The remote client's Hush and the local client's Edge on the device server at `devices_url`,
/// listed for `local` (a v4 websocket client past its handshake), with their indexes.
struct Toys {
    hush: WsDevice,
    hush_index: u64,
    edge: WsDevice,
    edge_index: u64,
}

async fn toys(devices_url: &str, local: &mut crate::Client) -> Toys {
    let device =
        |address: &str| json!({"identifier": "LVS-WsHush", "address": address, "version": 1});
    let hush = WsDevice::connect(
        devices_url,
        device("remote-hush"),
        LovenseFirmware::new("Z", 11, 1, false),
    )
    .await;
    let edge = WsDevice::connect(
        devices_url,
        device("local-edge"),
        LovenseFirmware::new("P", 11, 2, false),
    )
    .await;
    local.send(json!([{"StartScanning": {"Id": 90}}])).await;
    let index = |devices: &Value, name: &str| {
        devices.as_object()?.values().find(|d| d["DeviceName"] == name)?["DeviceIndex"].as_u64()
    };
    loop {
        let devices = local.next().await["DeviceList"]["Devices"].clone();
        if let (Some(hush_index), Some(edge_index)) =
            (index(&devices, "Lovense Hush"), index(&devices, "Lovense Edge"))
        {
            let mut toys = Toys { hush, hush_index, edge, edge_index };
            // What identifying them sent.
            expect_bytes(&mut toys.hush.received, "DeviceType;").await;
            expect_bytes(&mut toys.edge.received, "DeviceType;").await;
            return toys;
        }
    }
}

fn vibrate(id: u32, device: u64, value: u32) -> Value {
    json!({"OutputCmd": {"Id": id, "DeviceIndex": device, "FeatureIndex": 0, "Command": {"Vibrate": {"Value": value}}}})
}

/// `local` sets the Edge's first motor to 5.
async fn local_runs_the_edge(local: &mut crate::Client, toys: &Toys) {
    local.send(json!([vibrate(3, toys.edge_index, 5)])).await;
    while local.next().await != json!({"Ok": {"Id": 3}}) {}
}

/// Bytes a device got since the last look, without waiting.
fn drained(device: &mut WsDevice) -> String {
    let mut got = String::new();
    while let Ok(chunk) = device.received.try_recv() {
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
    got
}

/// Reads what `device` gets until `expected` is among it (Home Assistant's session reads the
/// batteries meanwhile).
async fn until_bytes(device: &mut WsDevice, expected: &str) {
    until(device, expected, |got| got.contains(expected)).await;
}

/// Reads what `device` gets until `done` holds of all of it.
async fn until(device: &mut WsDevice, what: &str, done: impl Fn(&str) -> bool) {
    let mut got = String::new();
    while !done(&got) {
        let chunk = within(what, device.received.recv()).await.expect("the device is gone");
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// A broker, an engine on it with `extra` flags, a local websocket client past its handshake,
/// and the two toys listed for it.
async fn rig(extra: &[&str]) -> (Broker, Engine, crate::Client, Toys) {
    let broker = broker();
    let (engine, devices_url) = engine_on(&broker, extra).await;
    let mut local = local_client(&engine).await;
    let toys = toys(&devices_url, &mut local).await;
    (broker, engine, local, toys)
}

/// A local v4 websocket client of `engine`, past its handshake.
async fn local_client(engine: &Engine) -> crate::Client {
    let mut local = engine.client().await;
    assert!(local.handshake().await.get("ServerInfo").is_some());
    local
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_client_through_the_broker_and_a_local_client_drive_one_engine() {
    let (broker, _engine, mut local, mut toys) = rig(&[]).await;

    // The phone sees the engine online and its devices, then drives the Hush.
    let topics = ["bpio/home/status", "bpio/home/devices", "bpio/home/reply/phone"];
    let mut phone = Remote::connect(mqtt_options(&broker, "phone", "phone-secret"), &topics).await;
    assert_eq!(phone.next_raw("bpio/home/status").await, b"online");
    within("both devices on the devices topic", async {
        loop {
            let list = phone.next_on("bpio/home/devices").await;
            if list[0]["DeviceList"]["Devices"].as_object().unwrap().len() == 2 {
                return;
            }
        }
    })
    .await;
    let info = phone.handshake("phone").await;
    assert_eq!(info["ServerInfo"]["MaxPingTime"], 2000, "{info}");
    let _pinging = keep_pinging(phone.client.clone(), "phone");
    phone.send("phone", vibrate(2, toys.hush_index, 10)).await;
    within("the Ok", async { while phone.reply("phone").await != json!({"Ok": {"Id": 2}}) {} })
        .await;
    expect_bytes(&mut toys.hush.received, "Vibrate:10;").await;
    local_runs_the_edge(&mut local, &toys).await;
    expect_bytes(&mut toys.edge.received, "Vibrate1:5;").await;

    // A client without an account is refused by the broker.
    let mut anonymous = mqtt_options(&broker, "anonymous", "");
    anonymous.set_credentials("", "");
    let mut stranger = Remote::connect(anonymous, &[]).await;
    let refusal = within("the refusal", stranger.refused.recv()).await.unwrap();
    assert!(refusal.contains("refused"), "{refusal}");
    // A client with an account may not write another client's command topic: its stop-all
    // never reaches the engine, and the Hush keeps its level.
    let game =
        Remote::connect(mqtt_options(&broker, "game", "game-secret"), &["bpio/home/reply/game"])
            .await;
    game.send("phone", json!({"StopCmd": {"Id": 9}})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(drained(&mut toys.hush), "", "the game's stop reached the phone's Hush");
    // Its own topic works.
    let mut game = game;
    assert!(game.handshake("game").await.get("ServerInfo").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_client_killed_mid_command_ends_by_its_will_and_stops_within_a_second() {
    if let Ok(setup) = std::env::var(REMOTE_ROLE) {
        return remote_process(&setup).await;
    }
    let (broker, _engine, mut local, mut toys) = rig(&[]).await;
    local_runs_the_edge(&mut local, &toys).await;
    expect_bytes(&mut toys.edge.received, "Vibrate1:5;").await;

    // The remote client in a process of its own: this test, in its remote role.
    let setup =
        json!({"port": broker.port(), "ca": broker.ca_file().unwrap(), "hush": toys.hush_index});
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "mqtt::a_remote_client_killed_mid_command_ends_by_its_will_and_stops_within_a_second",
        ])
        .args(["--nocapture", "--test-threads", "1"])
        .env(REMOTE_ROLE, setup.to_string())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    within("the remote client to drive the Hush", async {
        while lines
            .next_line()
            .await
            .unwrap()
            .is_some_and(|line| !line.contains("remote: vibrating"))
        {}
    })
    .await;
    expect_bytes(&mut toys.hush.received, "Vibrate:10;").await;

    // SIGKILL: the broker publishes its will, the empty message that ends its session.
    let killed = std::time::Instant::now();
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    expect_bytes(&mut toys.hush.received, "Vibrate:0;").await;
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(1), "the Hush stopped {took:?} after the kill");
    // The local client's Edge is untouched, and the local client still served.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(drained(&mut toys.edge), "");
    local.send(json!([{"Ping": {"Id": 4}}])).await;
    while local.next().await != json!({"Ok": {"Id": 4}}) {}
}

/// Set in the remote client's process: what it connects to.
const REMOTE_ROLE: &str = "BPIO_TEST_MQTT_REMOTE";

/// The remote client's process: its will set, it drives the Hush and pings until it is killed.
async fn remote_process(setup: &str) {
    let setup: Value = serde_json::from_str(setup).unwrap();
    let port = u16::try_from(setup["port"].as_u64().unwrap()).unwrap();
    let tls = Arc::new(
        bpio_test_mosquitto::client_tls(Path::new(setup["ca"].as_str().unwrap())).unwrap(),
    );
    let mut options = MqttOptions::new("phone", "127.0.0.1", port);
    options.set_credentials("phone", "phone-secret").set_keep_alive(Duration::from_secs(5));
    options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls)));
    options.set_last_will(LastWill::new(
        "bpio/home/command/phone",
        Vec::new(),
        QoS::AtLeastOnce,
        false,
    ));
    let mut phone = Remote::connect(options, &["bpio/home/status", "bpio/home/reply/phone"]).await;
    assert_eq!(phone.next_raw("bpio/home/status").await, b"online");
    phone.handshake("phone").await;
    let _pinging = keep_pinging(phone.client.clone(), "phone");
    phone.send("phone", vibrate(2, setup["hush"].as_u64().unwrap(), 10)).await;
    while phone.reply("phone").await != json!({"Ok": {"Id": 2}}) {}
    #[allow(clippy::print_stdout)]
    {
        println!("remote: vibrating");
    }
    std::future::pending::<()>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_broker_stops_what_remote_sessions_ran_and_the_engine_comes_back() {
    let mut broker = broker();
    let (engine, devices_url) = engine_on(&broker, &[]).await;
    let mut local = local_client(&engine).await;
    let mut toys = toys(&devices_url, &mut local).await;
    let topics = ["bpio/home/status", "bpio/home/reply/phone"];
    let mut phone = Remote::connect(mqtt_options(&broker, "phone", "phone-secret"), &topics).await;
    // MQTT keeps nothing for a subscriber that is not there yet: first the engine is online.
    assert_eq!(phone.next_raw("bpio/home/status").await, b"online");
    phone.handshake("phone").await;
    let _pinging = keep_pinging(phone.client.clone(), "phone");
    phone.send("phone", vibrate(2, toys.hush_index, 10)).await;
    expect_bytes(&mut toys.hush.received, "Vibrate:10;").await;

    // The broker goes: the remote session ends and its Hush stops; local clients go on.
    broker.stop();
    expect_bytes(&mut toys.hush.received, "Vibrate:0;").await;
    local.send(json!([{"Ping": {"Id": 4}}])).await;
    while local.next().await != json!({"Ok": {"Id": 4}}) {}

    // It comes back: so does the engine, and a remote client is served again.
    broker.restart().unwrap();
    let topics = ["bpio/home/status", "bpio/home/reply/phone"];
    let mut phone = within("the engine back on the broker", async {
        loop {
            let mut phone =
                Remote::connect(mqtt_options(&broker, "phone", "phone-secret"), &topics).await;
            let status = phone.next_raw("bpio/home/status");
            if tokio::time::timeout(Duration::from_millis(500), status).await.ok().as_deref()
                == Some(b"online")
            {
                return phone;
            }
        }
    })
    .await;
    assert!(phone.handshake("phone").await.get("ServerInfo").is_some());
    phone.send("phone", vibrate(2, toys.hush_index, 7)).await;
    expect_bytes(&mut toys.hush.received, "Vibrate:7;").await;
}

/// The configuration keys Home Assistant documents for MQTT entities of each kind
/// (<https://www.home-assistant.io/integrations/number.mqtt/>, `sensor.mqtt`, `button.mqtt`),
/// with those each requires.
fn documented(component: &str) -> (&'static [&'static str], &'static [&'static str]) {
    const COMMON: &[&str] = &[
        "availability",
        "availability_mode",
        "availability_template",
        "availability_topic",
        "device",
        "enabled_by_default",
        "encoding",
        "entity_category",
        "entity_picture",
        "icon",
        "json_attributes_template",
        "json_attributes_topic",
        "name",
        "object_id",
        "default_entity_id",
        "payload_available",
        "payload_not_available",
        "platform",
        "qos",
        "unique_id",
    ];
    let (own, required): (&[&str], &[&str]) = match component {
        "number" => (
            &[
                "command_template",
                "command_topic",
                "device_class",
                "max",
                "min",
                "mode",
                "optimistic",
                "payload_reset",
                "retain",
                "state_topic",
                "step",
                "unit_of_measurement",
                "value_template",
            ],
            &["command_topic"],
        ),
        "sensor" => (
            &[
                "device_class",
                "expire_after",
                "force_update",
                "last_reset_value_template",
                "options",
                "state_class",
                "state_topic",
                "suggested_display_precision",
                "unit_of_measurement",
                "value_template",
            ],
            &["state_topic"],
        ),
        "button" => (
            &["command_template", "command_topic", "device_class", "payload_press", "retain"],
            &["command_topic"],
        ),
        other => panic!("an entity of a kind the test does not know: {other}"),
    };
    let all: Vec<&'static str> = COMMON.iter().chain(own).copied().collect();
    (Box::leak(all.into_boxed_slice()), required)
}

/// Checks `config` of a `component` entity against what Home Assistant documents.
fn check_entity(component: &str, config: &Value) {
    let (allowed, required) = documented(component);
    let object = config.as_object().unwrap();
    for key in object.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "{component}: {key} is not a documented key: {config}"
        );
    }
    for key in required {
        assert!(
            object[*key].as_str().is_some_and(|t| !t.is_empty()),
            "{component} needs {key}: {config}"
        );
    }
    assert!(config["unique_id"].as_str().is_some_and(|id| !id.is_empty()), "{config}");
    assert_eq!(config["availability_topic"], "bpio/home/status", "{config}");
    let identifiers = config["device"]["identifiers"].as_array().unwrap();
    assert!(!identifiers.is_empty() && identifiers.iter().all(Value::is_string), "{config}");
    assert!(config["device"]["name"].is_string(), "{config}");
    if component == "number" {
        for key in ["min", "max", "step"] {
            assert!(config[key].is_number(), "{key}: {config}");
        }
        assert!(["auto", "box", "slider"].contains(&config["mode"].as_str().unwrap()), "{config}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_assistant_discovery_holds_documented_fields_and_its_commands_reach_the_device() {
    let (broker, _engine, mut local, mut toys) = rig(&["--mqtt-homeassistant"]).await;
    local_runs_the_edge(&mut local, &toys).await;
    until_bytes(&mut toys.edge, "Vibrate1:5;").await;

    let topics = ["homeassistant/+/+/+/config", "bpio/home/ha/#"];
    let mut ha = Remote::connect(mqtt_options(&broker, "ha", "ha-secret"), &topics).await;
    // The retained configs: the stop-all button, a number per output, the batteries.
    let mut configs: std::collections::BTreeMap<String, Value> = std::collections::BTreeMap::new();
    within("every entity", async {
        while configs.len() < 6 {
            let (topic, payload) = ha.messages.recv().await.unwrap();
            if topic.starts_with("homeassistant/") && !payload.is_empty() {
                configs.insert(topic, serde_json::from_slice(&payload).unwrap());
            }
        }
    })
    .await;
    let mut unique = std::collections::BTreeSet::new();
    for (topic, config) in &configs {
        let component = topic.split('/').nth(1).unwrap();
        check_entity(component, config);
        assert!(unique.insert(config["unique_id"].to_string()), "unique_id twice: {config}");
    }
    let kinds: Vec<&str> = configs.keys().map(|t| t.split('/').nth(1).unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "number").count(), 3, "{configs:#?}");
    assert_eq!(kinds.iter().filter(|k| **k == "sensor").count(), 2, "{configs:#?}");
    assert_eq!(kinds.iter().filter(|k| **k == "button").count(), 1, "{configs:#?}");
    let hush_number = configs
        .iter()
        .find(|(t, c)| t.contains("/number/") && c["device"]["name"] == "Lovense Hush")
        .map(|(_, c)| c.clone())
        .unwrap();
    assert_eq!((hush_number["min"].clone(), hush_number["max"].clone()), (json!(0), json!(20)));

    // A set on the Hush's number reaches the Hush, and its state follows.
    let set = hush_number["command_topic"].as_str().unwrap().to_owned();
    let state = hush_number["state_topic"].as_str().unwrap().to_owned();
    ha.client.publish(&set, QoS::AtLeastOnce, false, "7").await.unwrap();
    until_bytes(&mut toys.hush, "Vibrate:7;").await;
    within("the state", async { while ha.next_raw(&state).await != b"7" {} }).await;

    // Home Assistant goes offline: what it ran stops, the local client's Edge does not.
    ha.client.publish("homeassistant/status", QoS::AtLeastOnce, false, "offline").await.unwrap();
    until_bytes(&mut toys.hush, "Vibrate:0;").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!drained(&mut toys.edge).contains("Vibrate"), "a stop reached the Edge");

    // Back online, its stop-all button stops everything.
    ha.client.publish("homeassistant/status", QoS::AtLeastOnce, false, "online").await.unwrap();
    let button =
        configs.iter().find(|(t, _)| t.contains("/button/")).map(|(_, c)| c.clone()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let press = button["command_topic"].as_str().unwrap().to_owned();
    ha.client.publish(&press, QoS::AtLeastOnce, false, "PRESS").await.unwrap();
    // A stop of both motors, however the protocol says it.
    let stopped = |got: &str| got.contains("Vibrate:0;") || got.contains("Vibrate1:0;");
    until(&mut toys.edge, "the Edge stopped", stopped).await;

    // A device that leaves takes its entities along: empty retained configs.
    let edge_topics: Vec<String> = configs
        .iter()
        .filter(|(_, c)| c["device"]["name"] == "Lovense Edge")
        .map(|(t, _)| t.clone())
        .collect();
    toys.edge.task.abort();
    let mut removed = std::collections::BTreeSet::new();
    within("the Edge's entities removed", async {
        while removed.len() < edge_topics.len() {
            let (topic, payload) = ha.messages.recv().await.unwrap();
            if payload.is_empty() && edge_topics.contains(&topic) {
                removed.insert(topic);
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_bpio_client_over_mqtt_drives_a_device_and_its_goodbye_stops_it() {
    use bpio_client::{Client, MqttConnector};

    let (broker, _engine, mut local, mut toys) = rig(&[]).await;
    // The local client runs the Edge, so the remote client's end has no reason to touch it.
    local_runs_the_edge(&mut local, &toys).await;
    expect_bytes(&mut toys.edge.received, "Vibrate1:5;").await;
    let connector = MqttConnector::new(format!("{}/bpio/home", broker.url()))
        .with_client_id("phone")
        .with_credentials("phone", "phone-secret")
        .with_ca_file(broker.ca_file().unwrap());
    let client =
        within("the remote client", Client::connect("remote app", connector)).await.unwrap();
    assert_eq!(client.max_ping_time(), Duration::from_millis(2000));
    let devices = within("the device list", client.request_device_list()).await.unwrap();
    let hush = devices.iter().find(|d| d.name() == "Lovense Hush").unwrap();
    within("the command", hush.vibrate(0.5)).await.unwrap();
    expect_bytes(&mut toys.hush.received, "Vibrate:10;").await;
    // Longer than MaxPingTime: the client's own pings keep the session.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(drained(&mut toys.hush), "", "the session ended while the client pinged");
    client.disconnect().await;
    expect_bytes(&mut toys.hush.received, "Vibrate:0;").await;
    assert_eq!(drained(&mut toys.edge), "");
}

#[tokio::test]
async fn bad_mqtt_flags_stop_the_engine_with_one_clear_line() {
    let password = scratch("mqtt-bad-flags-password");
    std::fs::write(&password, "secret\n").unwrap();
    let password = password.to_str().unwrap();
    for (args, expected) in [
        (&["--mqtt-url", "http://127.0.0.1:1883"][..], &["--mqtt-url", "mqtt://HOST:PORT"][..]),
        (&["--mqtt-url", "mqtt://127.0.0.1:port"], &["--mqtt-url", "port"]),
        (
            &["--mqtt-url", "mqtt://127.0.0.1:1883", "--mqtt-max-ping-time", "0"],
            &["--mqtt-max-ping-time"],
        ),
        (&["--mqtt-url", "mqtt://127.0.0.1:1883", "--mqtt-name", "a/b"], &["--mqtt-name"]),
        (
            &["--mqtt-url", "mqtt://127.0.0.1:1883", "--mqtt-ca", password],
            &["--mqtt-ca", "mqtts://"],
        ),
        (
            &["--mqtt-url", "mqtt://127.0.0.1:1883", "--mqtt-password-file", password],
            &["--mqtt-username"],
        ),
        (&["--mqtt-homeassistant"], &["--mqtt-homeassistant", "--mqtt-url"]),
        (
            &["--mqtt-url", "mqtts://127.0.0.1:8883", "--mqtt-ca", "/nonexistent/ca.pem"],
            &["--mqtt-ca", "/nonexistent/ca.pem"],
        ),
    ] {
        crate::exposure::refused(args, expected).await;
    }
}
