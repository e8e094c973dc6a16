//! The MQTT connector (feature `mqtt`): a server reached through an MQTT broker, as
//! docs/MQTT.md lays out the topics.
//!
//! The link is two tasks beside the client's driver. One polls rumqttc's event loop, so the MQTT
//! connection lives (keep-alive, acknowledgements) whatever the client does, and forwards the
//! reply topic's messages through a channel, which makes [`ServerLink::recv`] cancel-safe. The
//! other publishes what the client sends, in order, and at the end the empty message and the
//! MQTT `DISCONNECT`. The event loop never reconnects: when the broker connection is lost, the
//! link ends and the client reports the server gone, as with a websocket.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, LastWill, MqttOptions,
    Outgoing, Packet, QoS, SubscribeReasonCode, TlsConfiguration, Transport,
};
use rustls::crypto::ring;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use crate::connector::{Connector, ServerLink};
use crate::error::ConnectorError;

/// Plain MQTT's port when the address has none.
const MQTT_PORT: u16 = 1883;
/// MQTT over TLS's port when the address has none.
const MQTTS_PORT: u16 = 8883;
/// How long the broker may take to accept the connection and the subscription.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// MQTT keep-alive: how soon a silent broker is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// The largest MQTT packet either way, as the websocket transport's message limit.
const MAX_PACKET: usize = 1 << 20;
/// Requests queued for rumqttc's event loop; the publishing task waits when it is full.
const REQUEST_CAPACITY: usize = 64;

/// Connects to a server through an MQTT broker: the engine named `NAME` under topic prefix `P`
/// at `mqtt://HOST:PORT/P/NAME`, or over TLS at `mqtts://HOST:PORT/P/NAME` (the port defaults
/// to 1883 and 8883).
///
/// The connector subscribes to `P/NAME/reply/ID` and `P/NAME/status` before it sends anything
/// (`connect` returns once the broker has acknowledged both and the engine's retained status
/// says `online`, so nothing is sent before the engine listens), sends each transmission as a QoS 1
/// message on `P/NAME/command/ID`, sets an empty `command/ID` message as its MQTT last will and
/// publishes that empty message itself when the link closes, which ends the server's session.
/// The link ends when the broker is lost or the engine's status turns `offline`.
/// `ID` is the MQTT client id ([`Self::with_client_id`]). docs/MQTT.md has the whole contract.
#[derive(Clone)]
pub struct MqttConnector {
    address: String,
    client_id: String,
    credentials: Option<(String, String)>,
    ca_file: Option<PathBuf>,
}

impl MqttConnector {
    /// A connector for the server at `address`, with a fresh client id (`bpio-` and 12 random
    /// hex digits), no credentials, and for `mqtts://` the bundled public roots. The address is
    /// checked by `connect`, which fails with [`MqttError::Address`] when it is not one.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            client_id: format!("bpio-{:012x}", fastrand::u64(..1 << 48)),
            credentials: None,
            ca_file: None,
        }
    }

    /// The same connector with another MQTT client id, which is also the `ID` level of its
    /// topics: one topic level, without `/`, `+` or `#`.
    pub fn with_client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = id.into();
        self
    }

    /// The same connector, logging in to the broker with this account.
    pub fn with_credentials(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// The same connector, trusting the PEM certificates in `path` as roots for an `mqtts://`
    /// address instead of the bundled public roots (for a broker with a certificate of its own
    /// CA). The file is read by `connect`.
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// The MQTT client id the connector connects with.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn options(&self, address: &Address) -> Result<MqttOptions, MqttError> {
        check_level(&self.client_id).map_err(|_| MqttError::ClientId(self.client_id.clone()))?;
        let mut options = MqttOptions::new(&self.client_id, &address.host, address.port);
        options
            .set_keep_alive(KEEP_ALIVE)
            .set_clean_session(true)
            .set_max_packet_size(MAX_PACKET, MAX_PACKET)
            .set_last_will(LastWill::new(
                address.topic("command", &self.client_id),
                Vec::new(),
                QoS::AtLeastOnce,
                false,
            ));
        if let Some((user, password)) = &self.credentials {
            options.set_credentials(user, password);
        }
        match (address.tls, &self.ca_file) {
            (true, ca_file) => {
                let config = tls_config(ca_file.as_deref())?;
                options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(
                    Arc::new(config),
                )));
            }
            (false, Some(_)) => return Err(MqttError::CaWithoutTls),
            (false, None) => {}
        }
        Ok(options)
    }
}

impl fmt::Debug for MqttConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password stays out of logs.
        f.debug_struct("MqttConnector")
            .field("address", &self.address)
            .field("client_id", &self.client_id)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl Connector for MqttConnector {
    type Link = MqttLink;

    async fn connect(self) -> Result<MqttLink, ConnectorError> {
        let address = Address::parse(&self.address)?;
        let options = self.options(&address)?;
        let command_topic = address.topic("command", &self.client_id);
        let reply_topic = address.topic("reply", &self.client_id);
        let status_topic = address.status_topic();
        let (client, mut events) = AsyncClient::new(options, REQUEST_CAPACITY);
        // Every command is one small message: Nagle's algorithm would hold each back for the
        // ack of the one before.
        events.network_options.set_tcp_nodelay(true);
        let topics = Topics { reply: reply_topic, status: status_topic };
        tokio::time::timeout(CONNECT_TIMEOUT, open(&client, &mut events, &address, &topics))
            .await
            .map_err(|_| MqttError::Timeout(CONNECT_TIMEOUT))??;
        debug!(client_id = %self.client_id, topic = %command_topic, "connected to the MQTT broker");

        let (replies_tx, replies) = mpsc::unbounded_channel();
        let (outbound, outbound_rx) = mpsc::unbounded_channel();
        tokio::spawn(poll(events, topics, replies_tx));
        tokio::spawn(publish(client, command_topic, outbound_rx));
        Ok(MqttLink { client_id: self.client_id, outbound: Some(outbound), replies })
    }
}

/// The topics the connector reads.
struct Topics {
    /// `P/NAME/reply/ID`: the engine's replies and events for this client.
    reply: String,
    /// `P/NAME/status`: whether the engine is on the broker (retained).
    status: String,
}

/// The payload of the status topic while the engine is on the broker.
const ONLINE: &[u8] = b"online";

/// Waits for the broker's CONNACK, subscribes to the reply and status topics, and waits until
/// the engine is online: a message sent before the engine subscribed would be lost, as MQTT
/// keeps nothing for a subscriber that is not there yet.
async fn open(
    client: &AsyncClient,
    events: &mut EventLoop,
    address: &Address,
    topics: &Topics,
) -> Result<(), MqttError> {
    let refused = |source: ConnectionError| match source {
        ConnectionError::ConnectionRefused(
            ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized,
        ) => MqttError::Credentials,
        ConnectionError::ConnectionRefused(code) => MqttError::Refused(refusal(code)),
        source => MqttError::Unreachable { broker: address.broker(), source: Box::new(source) },
    };
    loop {
        if let Event::Incoming(Packet::ConnAck(_)) = events.poll().await.map_err(refused)? {
            break;
        }
    }
    for topic in [&topics.reply, &topics.status] {
        client.subscribe(topic, QoS::AtLeastOnce).await.map_err(|err| MqttError::Unreachable {
            broker: address.broker(),
            source: Box::new(err),
        })?;
    }
    let lost = |source: ConnectionError| MqttError::Lost(Box::new(source));
    let mut acknowledged = 0;
    let mut online = false;
    while acknowledged < 2 || !online {
        match events.poll().await.map_err(lost)? {
            Event::Incoming(Packet::SubAck(ack)) => {
                if !ack
                    .return_codes
                    .iter()
                    .all(|code| matches!(code, SubscribeReasonCode::Success(_)))
                {
                    let topic = if acknowledged == 0 { &topics.reply } else { &topics.status };
                    return Err(MqttError::SubscribeRefused(topic.clone()));
                }
                acknowledged += 1;
            }
            // Retained when the engine is up; published when it comes up.
            Event::Incoming(Packet::Publish(message)) if message.topic == topics.status => {
                online = message.payload.as_ref() == ONLINE;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Runs the event loop until the connection ends (lost, closed by [`publish`], or the engine
/// says it is offline); forwards the reply topic's messages.
async fn poll(mut events: EventLoop, topics: Topics, replies: mpsc::UnboundedSender<Vec<u8>>) {
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Packet::Publish(message)))
                if message.topic == topics.status && message.payload.as_ref() != ONLINE =>
            {
                // The engine stopped, or the broker published its will: the server is gone.
                warn!("the engine went offline");
                return;
            }
            Ok(Event::Incoming(Packet::Publish(message))) if message.topic == topics.reply => {
                if message.retain {
                    // Kept by the broker from before this session: not an answer to this client.
                    debug!(topic = %message.topic, "ignoring a retained message on the reply topic");
                } else if message.payload.is_empty() {
                    debug!(topic = %message.topic, "ignoring an empty message on the reply topic");
                } else {
                    // The link may be gone already; the event loop still runs to close cleanly.
                    let _ = replies.send(message.payload.to_vec());
                }
            }
            Ok(Event::Incoming(Packet::Publish(message))) => {
                debug!(topic = %message.topic, "ignoring a message on another topic");
            }
            // Written and flushed: the broker has everything this client sent.
            Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
            Ok(_) => {}
            Err(err) => {
                warn!(cause = %err, "lost the connection to the MQTT broker");
                return;
            }
        }
    }
}

/// Publishes what the client sends, in order; once the link is closed or dropped, the empty
/// message that ends the session, then the MQTT `DISCONNECT` (so the broker drops the will).
async fn publish(
    client: AsyncClient,
    topic: String,
    mut outbound: mpsc::UnboundedReceiver<String>,
) {
    while let Some(text) = outbound.recv().await {
        if client.publish(&topic, QoS::AtLeastOnce, false, text.into_bytes()).await.is_err() {
            // The event loop has ended: the connection is lost, and the link learns it there.
            return;
        }
    }
    let _ = client.publish(&topic, QoS::AtLeastOnce, false, Vec::new()).await;
    let _ = client.disconnect().await;
}

/// An open connection to a server through an MQTT broker. Dropping it closes it as
/// [`ServerLink::close`] does.
#[derive(Debug)]
pub struct MqttLink {
    client_id: String,
    outbound: Option<mpsc::UnboundedSender<String>>,
    replies: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl MqttLink {
    /// The MQTT client id of the connection: the `ID` level of its topics.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

impl ServerLink for MqttLink {
    fn send(&mut self, text: String) -> Result<(), ConnectorError> {
        let outbound = self.outbound.as_ref().ok_or(ConnectorError::Closed)?;
        outbound.send(text).map_err(|_| ConnectorError::Closed)
    }

    async fn recv(&mut self) -> Option<Vec<u8>> {
        // Cancel-safe: a message is either still in the channel or returned.
        self.replies.recv().await
    }

    fn close(&mut self) {
        // The publishing task sees the channel end after what is queued, and says goodbye.
        self.outbound = None;
    }
}

/// Why the MQTT connector could not connect; the source of [`ConnectorError::Connect`].
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum MqttError {
    /// The address is not `mqtt://HOST[:PORT]/P/NAME` or `mqtts://HOST[:PORT]/P/NAME`.
    #[error(
        "{address:?} is not an MQTT server address (mqtt://HOST:PORT/PREFIX/NAME or \
         mqtts://HOST:PORT/PREFIX/NAME): {problem}"
    )]
    Address {
        /// The address given.
        address: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The client id cannot be a topic level.
    #[error("the MQTT client id {0:?} cannot be a topic level: it is empty or has `/`, `+` or `#`")]
    ClientId(String),
    /// A CA file was given for a plain `mqtt://` address.
    #[error("a CA file is for mqtts:// addresses; this one is plain mqtt://")]
    CaWithoutTls,
    /// The CA file could not be read or holds no usable certificate.
    #[error("cannot use {} as trusted roots: {problem}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// The broker could not be reached, or the TLS handshake failed.
    #[error("cannot reach the MQTT broker at {broker}")]
    Unreachable {
        /// `HOST:PORT`.
        broker: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The broker refused the account: a wrong user name or password, or none where one is
    /// needed.
    #[error("the MQTT broker refused the user name or password (or their absence)")]
    Credentials,
    /// The broker refused the connection for another reason.
    #[error("the MQTT broker refused the connection: {0}")]
    Refused(&'static str),
    /// The broker refused the subscription to the reply topic (its access list, usually).
    #[error("the MQTT broker refused the subscription to {0}")]
    SubscribeRefused(String),
    /// The connection dropped before it was ready.
    #[error("the connection to the MQTT broker dropped while connecting")]
    Lost(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The broker did not accept the connection and the subscription in time.
    #[error("the MQTT broker did not accept the connection within {0:?}")]
    Timeout(Duration),
}

impl From<MqttError> for ConnectorError {
    fn from(error: MqttError) -> Self {
        Self::connect(error)
    }
}

fn refusal(code: ConnectReturnCode) -> &'static str {
    match code {
        ConnectReturnCode::RefusedProtocolVersion => "it does not speak MQTT 3.1.1",
        ConnectReturnCode::BadClientId => "it does not accept the client id",
        ConnectReturnCode::ServiceUnavailable => "it is unavailable",
        ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized => {
            "wrong user name or password"
        }
        ConnectReturnCode::Success => "it answered with success",
    }
}

/// The trusted roots for `mqtts://`, on rustls with the ring provider.
fn tls_config(ca_file: Option<&Path>) -> Result<ClientConfig, MqttError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let ca_error = |problem: String| MqttError::CaFile { path: path.to_owned(), problem };
            let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|certificates| certificates.collect())
                .map_err(|err| ca_error(err.to_string()))?;
            if certificates.is_empty() {
                return Err(ca_error("no PEM certificate in it".to_owned()));
            }
            for certificate in certificates {
                roots.add(certificate).map_err(|err| ca_error(err.to_string()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    // Named explicitly rather than taken from the process default, which is ambiguous (and
    // rustls panics) when a program's dependencies enable more than one provider.
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|err| MqttError::CaFile {
            path: ca_file.map(Path::to_owned).unwrap_or_default(),
            problem: err.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// A parsed `mqtt://HOST:PORT/P/NAME`.
#[derive(Debug, PartialEq, Eq)]
struct Address {
    tls: bool,
    /// Without brackets for an IPv6 literal, as rumqttc and rustls take it.
    host: String,
    port: u16,
    prefix: String,
    name: String,
}

impl Address {
    fn parse(address: &str) -> Result<Self, MqttError> {
        let fail = |problem| MqttError::Address { address: address.to_owned(), problem };
        let (tls, rest) = if let Some(rest) = address.strip_prefix("mqtts://") {
            (true, rest)
        } else if let Some(rest) = address.strip_prefix("mqtt://") {
            (false, rest)
        } else {
            return Err(fail("the scheme is not mqtt:// or mqtts://"));
        };
        if rest.contains(['?', '#']) {
            return Err(fail("an MQTT address has no query or fragment"));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.contains('@') {
            return Err(fail("credentials go in with_credentials, not in the address"));
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (host, after) =
                bracketed.split_once(']').ok_or_else(|| fail("an IPv6 host lacks its `]`"))?;
            let port = match after {
                "" => None,
                after => Some(after.strip_prefix(':').ok_or_else(|| fail("junk after the host"))?),
            };
            (host, port)
        } else {
            match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(fail("the host is missing"));
        }
        let port = match port {
            None => {
                if tls {
                    MQTTS_PORT
                } else {
                    MQTT_PORT
                }
            }
            Some(port) => match port.parse::<u16>() {
                Ok(port) if port != 0 => port,
                _ => return Err(fail("the port is not a number from 1 to 65535")),
            },
        };
        let path = path.strip_suffix('/').unwrap_or(path);
        let Some((prefix, name)) = path.split_once('/') else {
            return Err(fail("the path is not PREFIX/NAME"));
        };
        if name.contains('/') {
            return Err(fail("the path has more levels than PREFIX/NAME"));
        }
        check_level(prefix).map_err(fail)?;
        check_level(name).map_err(fail)?;
        Ok(Self {
            tls,
            host: host.to_owned(),
            port,
            prefix: prefix.to_owned(),
            name: name.to_owned(),
        })
    }

    /// `P/NAME/KIND/ID`.
    fn topic(&self, kind: &str, client_id: &str) -> String {
        format!("{}/{}/{kind}/{client_id}", self.prefix, self.name)
    }

    /// `P/NAME/status`.
    fn status_topic(&self) -> String {
        format!("{}/{}/status", self.prefix, self.name)
    }

    /// `HOST:PORT`, for messages.
    fn broker(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Whether `level` can be one level of a topic name: not empty, no separator, no wildcard.
fn check_level(level: &str) -> Result<(), &'static str> {
    if level.is_empty() {
        Err("a topic level is empty")
    } else if level.contains(['/', '+', '#']) {
        Err("a topic level has `/`, `+` or `#`")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(address: &str) -> Address {
        Address::parse(address).unwrap_or_else(|err| panic!("{address}: {err}"))
    }

    fn problem(address: &str) -> &'static str {
        match Address::parse(address) {
            Err(MqttError::Address { problem, .. }) => problem,
            other => panic!("{address}: {other:?}"),
        }
    }

    #[test]
    fn an_address_names_the_broker_and_the_engine() {
        let address = parsed("mqtt://127.0.0.1:1884/bpio/living-room");
        assert_eq!(
            address,
            Address {
                tls: false,
                host: "127.0.0.1".into(),
                port: 1884,
                prefix: "bpio".into(),
                name: "living-room".into(),
            }
        );
        assert_eq!(address.topic("command", "app1"), "bpio/living-room/command/app1");
        assert_eq!(address.topic("reply", "app1"), "bpio/living-room/reply/app1");
        assert_eq!(address.broker(), "127.0.0.1:1884");

        let tls = parsed("mqtts://broker.example/home/engine/");
        assert!(tls.tls);
        assert_eq!((tls.host.as_str(), tls.port), ("broker.example", 8883));
        assert_eq!(parsed("mqtt://broker.example/p/n").port, 1883);

        let v6 = parsed("mqtt://[::1]:1885/p/n");
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 1885));
        assert_eq!(v6.broker(), "[::1]:1885");
        assert_eq!(parsed("mqtts://[::1]/p/n").port, 8883);
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        for (address, expected) in [
            ("ws://127.0.0.1:1883/bpio/engine", "the scheme is not mqtt:// or mqtts://"),
            ("MQTT://127.0.0.1/bpio/engine", "the scheme is not mqtt:// or mqtts://"),
            ("127.0.0.1:1883/bpio/engine", "the scheme is not mqtt:// or mqtts://"),
            ("mqtt://127.0.0.1:1883", "the path is not PREFIX/NAME"),
            ("mqtt://127.0.0.1:1883/bpio", "the path is not PREFIX/NAME"),
            ("mqtt://127.0.0.1:1883/bpio/a/b", "the path has more levels than PREFIX/NAME"),
            ("mqtt://127.0.0.1:1883//engine", "a topic level is empty"),
            ("mqtt://127.0.0.1:1883/bpio/", "the path is not PREFIX/NAME"),
            ("mqtt://127.0.0.1:1883/bpio//", "a topic level is empty"),
            ("mqtt://127.0.0.1:1883/bpio/+", "a topic level has `/`, `+` or `#`"),
            ("mqtt://127.0.0.1:1883/bpio/engine#x", "an MQTT address has no query or fragment"),
            ("mqtt://127.0.0.1:1883/bpio/engine?x=1", "an MQTT address has no query or fragment"),
            ("mqtt://:1883/bpio/engine", "the host is missing"),
            ("mqtt://127.0.0.1:0/bpio/engine", "the port is not a number from 1 to 65535"),
            ("mqtt://127.0.0.1:99999/bpio/engine", "the port is not a number from 1 to 65535"),
            ("mqtt://127.0.0.1:x/bpio/engine", "the port is not a number from 1 to 65535"),
            ("mqtt://[::1/bpio/engine", "an IPv6 host lacks its `]`"),
            ("mqtt://[::1]x/bpio/engine", "junk after the host"),
            (
                "mqtt://user:pw@127.0.0.1/bpio/engine",
                "credentials go in with_credentials, not in the address",
            ),
        ] {
            assert_eq!(problem(address), expected, "{address}");
        }
    }

    #[test]
    fn the_client_id_is_random_unless_given_and_must_be_one_topic_level() {
        let connector = MqttConnector::new("mqtt://127.0.0.1/bpio/engine");
        let id = connector.client_id().to_owned();
        let digits = id.strip_prefix("bpio-").unwrap();
        assert_eq!(digits.len(), 12, "{id}");
        assert!(digits.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{id}");
        assert_ne!(MqttConnector::new("mqtt://127.0.0.1/bpio/engine").client_id(), id);

        let address = parsed("mqtt://127.0.0.1/bpio/engine");
        let given = MqttConnector::new("").with_client_id("app1");
        assert_eq!(given.client_id(), "app1");
        assert!(given.options(&address).is_ok());
        for bad in ["", "a/b", "a+", "#"] {
            let connector = MqttConnector::new("").with_client_id(bad);
            assert!(
                matches!(connector.options(&address), Err(MqttError::ClientId(id)) if id == bad)
            );
        }
    }

    #[test]
    fn the_last_will_is_the_empty_command_message() {
        let address = parsed("mqtt://127.0.0.1/bpio/engine");
        let options = MqttConnector::new("")
            .with_client_id("app1")
            .with_credentials("app", "secret")
            .options(&address)
            .unwrap();
        let will = options.last_will().unwrap();
        assert_eq!(will.topic, "bpio/engine/command/app1");
        assert!(will.message.is_empty());
        assert_eq!(will.qos, QoS::AtLeastOnce);
        assert!(!will.retain);
        assert_eq!(options.client_id(), "app1");
        assert!(options.clean_session());
        let login = options.credentials().unwrap();
        assert_eq!((login.username.as_str(), login.password.as_str()), ("app", "secret"));
    }

    #[test]
    fn a_ca_file_is_for_tls_only_and_must_hold_certificates() {
        let plain = parsed("mqtt://127.0.0.1/bpio/engine");
        let with_ca = MqttConnector::new("").with_ca_file("/nonexistent/ca.pem");
        assert!(matches!(with_ca.options(&plain), Err(MqttError::CaWithoutTls)));

        let tls = parsed("mqtts://127.0.0.1/bpio/engine");
        match with_ca.options(&tls) {
            Err(err @ MqttError::CaFile { .. }) => {
                assert!(err.to_string().starts_with("cannot use /nonexistent/ca.pem"), "{err}");
            }
            other => panic!("{other:?}"),
        }
        // Without a file: the bundled public roots.
        assert!(MqttConnector::new("").options(&tls).is_ok());
    }

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let connector = MqttConnector::new("mqtt://h/p/n").with_credentials("app", "hunter2");
        let shown = format!("{connector:?}");
        assert!(shown.contains("app") && !shown.contains("hunter2"), "{shown}");
    }
}
