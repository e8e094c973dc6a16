//! The broker against a real MQTT client (rumqttc): messages go through, a wrong password and
//! the access list are enforced, and a restarted broker takes its clients back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use bpio_test_mosquitto::{Broker, Options};
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, Packet, QoS,
    TlsConfiguration, Transport,
};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// What a client's event loop saw.
#[derive(Debug)]
enum Seen {
    ConnAck,
    SubAck,
    Publish { topic: String, payload: Vec<u8> },
    Error,
}

/// A connected MQTT client whose event loop runs in a task, reconnecting after errors.
struct Peer {
    client: AsyncClient,
    seen: mpsc::UnboundedReceiver<Seen>,
    task: JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    /// Connects as `id` (with `login`, if any) and returns once the broker has accepted it.
    async fn connect(
        broker: &Broker,
        id: &str,
        login: Option<(&str, &str)>,
    ) -> Result<Self, ConnectionError> {
        let mut options = MqttOptions::new(id, "127.0.0.1", broker.port());
        if let Some((user, password)) = login {
            options.set_credentials(user, password);
        }
        if let Some(tls) = broker.client_tls() {
            let tls = Arc::new(tls.unwrap());
            options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls)));
        }
        let (client, mut events) = AsyncClient::new(options, 16);
        tokio::time::timeout(PATIENCE, connack(&mut events)).await.expect("no answer")?;
        let (sender, seen) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let note = match events.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => Seen::ConnAck,
                    Ok(Event::Incoming(Packet::SubAck(_))) => Seen::SubAck,
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        Seen::Publish { topic: publish.topic, payload: publish.payload.to_vec() }
                    }
                    Ok(_) => continue,
                    Err(_) => {
                        // Polling again reconnects; not at full speed while the broker is away.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Seen::Error
                    }
                };
                if sender.send(note).is_err() {
                    return;
                }
            }
        });
        Ok(Self { client, seen, task })
    }

    async fn next(&mut self) -> Seen {
        tokio::time::timeout(PATIENCE, self.seen.recv())
            .await
            .expect("nothing seen in time")
            .expect("the event loop ended")
    }

    /// Subscribes to `filter` and waits for the broker's acknowledgement.
    async fn subscribe(&mut self, filter: &str) {
        self.client.subscribe(filter, QoS::AtLeastOnce).await.unwrap();
        match self.next().await {
            Seen::SubAck => {}
            other => panic!("expected a SUBACK, got {other:?}"),
        }
    }

    async fn publish(&self, topic: &str, payload: &str) {
        self.client.publish(topic, QoS::AtLeastOnce, false, payload.as_bytes()).await.unwrap();
    }

    /// The next message that arrives, as (topic, payload).
    async fn message(&mut self) -> (String, String) {
        loop {
            if let Seen::Publish { topic, payload } = self.next().await {
                return (topic, String::from_utf8(payload).unwrap());
            }
        }
    }
}

async fn connack(events: &mut EventLoop) -> Result<(), ConnectionError> {
    loop {
        if let Event::Incoming(Packet::ConnAck(_)) = events.poll().await? {
            return Ok(());
        }
    }
}

#[tokio::test]
async fn a_message_goes_from_one_client_to_another() {
    let broker = Broker::start(Options::new()).unwrap();
    assert_eq!(broker.url(), format!("mqtt://127.0.0.1:{}", broker.port()));
    assert!(broker.ca_file().is_none());
    let mut reader = Peer::connect(&broker, "reader", None).await.unwrap();
    reader.subscribe("t/#").await;
    let writer = Peer::connect(&broker, "writer", None).await.unwrap();
    writer.publish("t/x", "hello").await;
    assert_eq!(reader.message().await, ("t/x".to_owned(), "hello".to_owned()));
}

#[tokio::test]
async fn over_tls_the_right_password_gets_in_and_a_wrong_one_or_none_does_not() {
    let broker = Broker::start(Options::new().tls().account("app", "secret")).unwrap();
    assert_eq!(broker.url(), format!("mqtts://127.0.0.1:{}", broker.port()));
    assert!(broker.ca_file().unwrap().exists());

    let mut app = Peer::connect(&broker, "app", Some(("app", "secret"))).await.unwrap();
    app.subscribe("echo").await;
    app.publish("echo", "over TLS").await;
    assert_eq!(app.message().await.1, "over TLS");

    for login in [Some(("app", "wrong")), Some(("nobody", "secret")), None] {
        match Peer::connect(&broker, "intruder", login).await {
            Err(ConnectionError::ConnectionRefused(
                ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized,
            )) => {}
            Err(other) => panic!("{login:?}: refused for another reason: {other}"),
            Ok(_) => panic!("{login:?} was let in"),
        }
    }
}

#[tokio::test]
async fn the_access_list_keeps_a_client_off_another_clients_command_topic() {
    let broker = Broker::start(
        Options::new()
            .account("engine", "engine-secret")
            .account("app", "app-secret")
            .acl("user engine")
            .acl("topic readwrite bpio/#")
            .acl("pattern write bpio/+/command/%c")
            .acl("pattern read bpio/+/reply/%c"),
    )
    .unwrap();
    let mut engine = Peer::connect(&broker, "bpio-engine-test", Some(("engine", "engine-secret")))
        .await
        .unwrap();
    engine.subscribe("bpio/test/command/+").await;
    let mut app = Peer::connect(&broker, "app1", Some(("app", "app-secret"))).await.unwrap();
    app.subscribe("bpio/test/reply/+").await;

    // In order from one client: had the first gone through, it would arrive first.
    app.publish("bpio/test/command/app2", "forged").await;
    app.publish("bpio/test/command/app1", "own").await;
    assert_eq!(engine.message().await, ("bpio/test/command/app1".to_owned(), "own".to_owned()));

    // The same for reading: only its own reply topic reaches the app.
    engine.publish("bpio/test/reply/app2", "for someone else").await;
    engine.publish("bpio/test/reply/app1", "for app1").await;
    assert_eq!(app.message().await, ("bpio/test/reply/app1".to_owned(), "for app1".to_owned()));
}

#[tokio::test]
async fn a_restarted_broker_is_on_the_same_port_and_takes_its_clients_back() {
    let mut broker = Broker::start(Options::new().tls().account("app", "secret")).unwrap();
    let (port, url) = (broker.port(), broker.url());
    let mut app = Peer::connect(&broker, "app", Some(("app", "secret"))).await.unwrap();

    broker.stop();
    assert!(!broker.is_running());
    match app.next().await {
        Seen::Error => {}
        other => panic!("expected the connection to drop, got {other:?}"),
    }
    broker.restart().unwrap();
    assert!(broker.is_running());
    assert_eq!((broker.port(), broker.url()), (port, url));
    // The client's event loop reconnects by itself, with the same CA and password.
    loop {
        match app.next().await {
            Seen::ConnAck => break,
            Seen::Error => {}
            other => panic!("expected a reconnection, got {other:?}"),
        }
    }
    app.subscribe("again").await;
    app.publish("again", "back").await;
    assert_eq!(app.message().await.1, "back");
}
