//! The MQTT connector through a real broker (mosquitto, from `bpio-test-mosquitto`) to a small
//! fake engine: an MQTT client on `bpio/test/command/+` that answers the handshake, pings and
//! device-list requests on `bpio/test/reply/ID`, as docs/MQTT.md has the engine do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "mqtt")]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bpio_client::{Client, ConnectorError, Error, Event, MqttConnector, MqttError};
use bpio_test_mosquitto::{Broker, Options};
use rumqttc::{
    AsyncClient, Event as MqttEvent, MqttOptions, Packet, QoS, TlsConfiguration, Transport,
};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);
/// Set for the child process of the kill test: the address and the client id to connect with.
const CHILD: &str = "BPIO_MQTT_TEST_CHILD";
/// The access list of docs/MQTT.md's example: the engine may do anything under `bpio/`, each
/// client write only its own command topic and read only its own reply topic.
/// The access list of docs/MQTT.md: every client reads the engines' status, and only its own
/// replies, and writes only its own command topic.
const ACL: [&str; 5] = [
    "user engine",
    "topic readwrite bpio/#",
    "pattern write bpio/+/command/%c",
    "pattern read bpio/+/reply/%c",
    "pattern read bpio/+/status",
];

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// What the fake engine heard on a command topic.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Heard {
    /// A message named `name` from client `from`.
    Message { from: String, name: String },
    /// The empty message: client `from`'s session ends.
    End { from: String },
}

fn message(from: &str, name: &str) -> Heard {
    Heard::Message { from: from.to_owned(), name: name.to_owned() }
}

fn end(from: &str) -> Heard {
    Heard::End { from: from.to_owned() }
}

/// The engine's side: subscribed to every client's command topic, answering on its reply topic.
struct FakeEngine {
    heard: mpsc::UnboundedReceiver<Heard>,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for FakeEngine {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl FakeEngine {
    /// Connects to `broker` (with `login`, if any) and returns once it is subscribed.
    async fn start(broker: &Broker, login: Option<(&str, &str)>) -> Self {
        let mut options = MqttOptions::new("bpio-engine-test", "127.0.0.1", broker.port());
        options.set_max_packet_size(1 << 20, 1 << 20);
        if let Some((user, password)) = login {
            options.set_credentials(user, password);
        }
        if let Some(tls) = broker.client_tls() {
            let tls = Arc::new(tls.unwrap());
            options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls)));
        }
        let (client, mut events) = AsyncClient::new(options, 16);
        client.subscribe("bpio/test/command/+", QoS::AtLeastOnce).await.unwrap();
        within("the fake engine's subscription", async {
            loop {
                if let MqttEvent::Incoming(Packet::SubAck(_)) = events.poll().await.unwrap() {
                    break;
                }
            }
        })
        .await;
        // Online, as the engine says once it listens: clients wait for it before they send.
        client.publish("bpio/test/status", QoS::AtLeastOnce, true, "online").await.unwrap();
        // One task polls, so the connection lives while the other publishes the answers.
        let (inbox, mut received) = mpsc::unbounded_channel();
        let poll = tokio::spawn(async move {
            while let Ok(event) = events.poll().await {
                if let MqttEvent::Incoming(Packet::Publish(publish)) = event {
                    let _ = inbox.send((publish.topic, publish.payload.to_vec()));
                }
            }
        });
        let (heard_tx, heard) = mpsc::unbounded_channel();
        let answer = tokio::spawn(async move {
            while let Some((topic, payload)) = received.recv().await {
                let from = topic.rsplit('/').next().unwrap().to_owned();
                if payload.is_empty() {
                    let _ = heard_tx.send(end(&from));
                    continue;
                }
                let frame: Value = serde_json::from_slice(&payload).unwrap();
                for message in frame.as_array().unwrap() {
                    let (name, body) = message.as_object().unwrap().iter().next().unwrap();
                    let _ =
                        heard_tx.send(Heard::Message { from: from.clone(), name: name.clone() });
                    let reply = answer(name, &body["Id"]);
                    let topic = format!("bpio/test/reply/{from}");
                    client
                        .publish(topic, QoS::AtLeastOnce, false, reply.to_string())
                        .await
                        .unwrap();
                }
            }
        });
        Self { heard, tasks: [poll, answer] }
    }

    /// Waits until `expected` is heard, passing over anything else (such as keep-alive pings).
    async fn until(&mut self, expected: &Heard) {
        within(&format!("the fake engine to hear {expected:?}"), async {
            loop {
                if &self.heard.recv().await.expect("the fake engine stopped") == expected {
                    return;
                }
            }
        })
        .await;
    }
}

/// The engine's answer to a message, as docs/MQTT.md has it: one JSON array per MQTT message.
fn answer(name: &str, id: &Value) -> Value {
    match name {
        "RequestServerInfo" => json!([{"ServerInfo": {
            "Id": id, "ServerName": "fake engine", "ProtocolVersionMajor": 4,
            "ProtocolVersionMinor": 0, "MaxPingTime": 1000
        }}]),
        "RequestDeviceList" => json!([{"DeviceList": {"Id": id, "Devices": {}}}]),
        "Ping" | "Disconnect" => json!([{"Ok": {"Id": id}}]),
        other => json!([{"Error": {
            "Id": id, "ErrorCode": 3, "ErrorMessage": format!("the fake engine does no {other}")
        }}]),
    }
}

/// The MQTT error a connect failed with.
fn mqtt_error(result: Result<Client, Error>) -> Arc<dyn std::error::Error + Send + Sync> {
    match result {
        Err(Error::Connector(ConnectorError::Connect(source))) => {
            assert!(source.downcast_ref::<MqttError>().is_some(), "{source:?}");
            source
        }
        Err(other) => panic!("expected a connect error, got {other}"),
        Ok(_) => panic!("expected a connect error, but the client connected"),
    }
}

/// The error and its sources, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(next) = source {
        text = format!("{text}: {next}");
        source = next.source();
    }
    text
}

#[tokio::test]
async fn the_handshake_a_ping_and_the_close_go_through_the_broker() {
    let broker = Broker::start(Options::new()).unwrap();
    let mut engine = FakeEngine::start(&broker, None).await;
    let address = format!("{}/bpio/test", broker.url());

    let client = within(
        "the connection",
        Client::connect("mqtt test", MqttConnector::new(&address).with_client_id("app1")),
    )
    .await
    .unwrap();
    assert_eq!(client.server_name(), "fake engine");
    assert_eq!(client.max_ping_time(), Duration::from_millis(1000));
    assert!(client.devices().is_empty());
    engine.until(&message("app1", "RequestServerInfo")).await;
    engine.until(&message("app1", "RequestDeviceList")).await;
    within("the ping", client.ping()).await.unwrap();
    engine.until(&message("app1", "Ping")).await;

    within("the disconnect", client.disconnect()).await;
    engine.until(&message("app1", "Disconnect")).await;
    engine.until(&end("app1")).await;
    assert!(!client.is_connected());
    // Published by the client itself, before a clean MQTT DISCONNECT: not its last will.
    within("the broker to log the client's DISCONNECT", async {
        while !broker.log().contains("Received DISCONNECT from app1") {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let log = broker.log();
    assert!(
        log.lines().any(|line| line.contains("Received PUBLISH from app1")
            && line.contains("'bpio/test/command/app1', ... (0 bytes)")),
        "{log}"
    );
}

#[tokio::test]
async fn over_tls_with_accounts_and_the_access_list_a_client_gets_its_own_topics() {
    let mut options =
        Options::new().tls().account("engine", "engine-secret").account("app", "app-secret");
    for line in ACL {
        options = options.acl(line);
    }
    let broker = Broker::start(options).unwrap();
    assert!(broker.url().starts_with("mqtts://"));
    let mut engine = FakeEngine::start(&broker, Some(("engine", "engine-secret"))).await;
    let address = format!("{}/bpio/test", broker.url());

    // The default client id: the access list's %c lets it use its own topics.
    let connector = MqttConnector::new(&address)
        .with_credentials("app", "app-secret")
        .with_ca_file(broker.ca_file().unwrap());
    let id = connector.client_id().to_owned();
    let client = within("the connection", Client::connect("mqtt test", connector)).await.unwrap();
    engine.until(&message(&id, "RequestDeviceList")).await;
    within("the ping", client.ping()).await.unwrap();
    engine.until(&message(&id, "Ping")).await;
    within("the disconnect", client.disconnect()).await;
    engine.until(&end(&id)).await;
}

#[tokio::test]
async fn a_wrong_password_or_an_untrusted_certificate_is_a_clear_connect_error() {
    let broker = Broker::start(Options::new().tls().account("app", "app-secret")).unwrap();
    let address = format!("{}/bpio/test", broker.url());
    let ca = broker.ca_file().unwrap();

    for connector in [
        MqttConnector::new(&address).with_credentials("app", "wrong").with_ca_file(ca),
        MqttConnector::new(&address).with_credentials("nobody", "app-secret").with_ca_file(ca),
        MqttConnector::new(&address).with_ca_file(ca),
    ] {
        let error =
            mqtt_error(within("the refusal", Client::connect("mqtt test", connector)).await);
        assert!(matches!(error.downcast_ref(), Some(MqttError::Credentials)), "{error:?}");
        assert_eq!(
            chain(&Error::Connector(ConnectorError::Connect(error))),
            "cannot connect to the server: the MQTT broker refused the user name or password (or \
             their absence)"
        );
    }

    // Without the CA file, the bundled public roots do not vouch for the test CA.
    let untrusted = MqttConnector::new(&address).with_credentials("app", "app-secret");
    let error = mqtt_error(within("the refusal", Client::connect("mqtt test", untrusted)).await);
    assert!(matches!(error.downcast_ref(), Some(MqttError::Unreachable { .. })), "{error:?}");
    let text = chain(&*error);
    assert!(
        text.starts_with(&format!("cannot reach the MQTT broker at 127.0.0.1:{}", broker.port())),
        "{text}"
    );
    assert!(text.contains("UnknownIssuer"), "{text}");

    // Not an MQTT address at all.
    let error = mqtt_error(Client::connect("mqtt test", MqttConnector::new(broker.url())).await);
    assert!(matches!(error.downcast_ref(), Some(MqttError::Address { .. })), "{error:?}");
}

#[tokio::test]
async fn a_lost_broker_ends_the_client_as_a_closed_server_would() {
    let mut broker = Broker::start(Options::new()).unwrap();
    let _engine = FakeEngine::start(&broker, None).await;
    let address = format!("{}/bpio/test", broker.url());
    let client =
        within("the connection", Client::connect("mqtt test", MqttConnector::new(&address)))
            .await
            .unwrap();
    let mut events = client.events();

    broker.stop();
    within("the client to notice", async {
        while let Some(event) = events.next().await {
            if let Event::ServerDisconnect = event {
                return;
            }
        }
        panic!("the events ended without ServerDisconnect");
    })
    .await;
    assert!(!client.is_connected());
    assert!(matches!(client.ping().await, Err(Error::Connector(ConnectorError::Closed))));

    // No reconnection behind the client's back, even once the broker is back.
    broker.restart().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!client.is_connected());
}

/// Kills the child process when dropped, so a failing test leaves none behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_killed_client_process_ends_its_session_through_its_last_will() {
    let broker = Broker::start(Options::new()).unwrap();
    let mut engine = FakeEngine::start(&broker, None).await;
    let address = format!("{}/bpio/test", broker.url());

    // This test binary again, running only the test below, which connects and waits.
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_process_of_the_kill_test", "--nocapture"])
            .env(CHILD, format!("{address} doomed"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    engine.until(&message("doomed", "RequestDeviceList")).await;
    // SIGKILL: the process cannot say goodbye; the broker notices the dropped connection.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    engine.until(&end("doomed")).await;
    assert!(broker.log().contains("Client doomed closed its connection"), "{}", broker.log());
}

/// The child of the kill test: connects with the address and client id it is given and waits to
/// be killed. Run on its own (without the variable), it has nothing to do.
#[tokio::test]
async fn child_process_of_the_kill_test() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let (address, id) = spec.split_once(' ').unwrap();
    let _client =
        Client::connect("doomed", MqttConnector::new(address).with_client_id(id)).await.unwrap();
    tokio::time::sleep(PATIENCE * 3).await;
}
