//! The engine on an MQTT broker (`--mqtt-url`, docs/MQTT.md): remote clients send Buttplug
//! messages on `P/NAME/command/ID` and get replies and events on `P/NAME/reply/ID`, each `ID` a
//! session of its own under the several-clients rules; the engine keeps `P/NAME/status` and
//! `P/NAME/devices` retained, and with `--mqtt-homeassistant` speaks Home Assistant's MQTT
//! discovery (`homeassistant.rs`).
//!
//! The broker's TLS, accounts and access lists decide who may do what; the engine trusts what the
//! broker delivers on its topics, and a lost broker ends every remote session, which stops what
//! they ran.

mod homeassistant;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bpio::protocol::serialize_frame;
use bpio::protocol::v4;
use bpio::server::SessionConfig;
use bpio::server::runtime::{ClientConnection, CloseReason, DeviceHub, LinkEvent, serve_client};
use rumqttc::{
    AsyncClient, ConnectionError, Event, LastWill, MqttOptions, Packet, Publish, QoS,
    TlsConfiguration, Transport,
};
use rustls::pki_types::pem::PemObject;
use tokio::sync::{mpsc, watch};
use tracing::{debug, info, warn};

use crate::options::Options;

/// The broker's port when the URL names none.
const MQTT_PORT: u16 = 1883;
const MQTTS_PORT: u16 = 8883;

/// Remote sessions served at once: far more than one engine's users, few enough that a client
/// that invents ids cannot grow the engine without bound.
const MAX_SESSIONS: usize = 256;

/// Transmissions a remote session may have waiting before the bridge waits for it.
const SESSION_INBOX: usize = 64;

/// The longest wait between attempts to reach the broker.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How long a clean stop waits for the broker to take the last messages.
const GOODBYE: Duration = Duration::from_secs(2);

/// The bridge as the flags describe it.
pub(crate) struct Plan {
    host: String,
    port: u16,
    tls: Option<Arc<rustls::ClientConfig>>,
    credentials: Option<(String, String)>,
    topics: Topics,
    client_id: String,
    max_ping_time: Duration,
    max_message_size: usize,
    homeassistant: bool,
    /// Whether Home Assistant's session reads batteries and signal strengths; not when the
    /// web panel's session already does, as every reading reaches both.
    homeassistant_reads: bool,
}

impl Plan {
    /// The bridge `--mqtt-url` asks for, its flags checked; `None` without it.
    pub(crate) fn from_options(options: &Options) -> Result<Option<Self>> {
        let Some(url) = &options.mqtt_url else {
            for (given, flag) in [
                (options.mqtt_ca.is_some(), "--mqtt-ca"),
                (options.mqtt_username.is_some(), "--mqtt-username"),
                (options.mqtt_password_file.is_some(), "--mqtt-password-file"),
                (options.mqtt_homeassistant, "--mqtt-homeassistant"),
            ] {
                if given {
                    bail!("{flag} needs --mqtt-url");
                }
            }
            return Ok(None);
        };
        let (tls, rest) = if let Some(rest) = url.strip_prefix("mqtts://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("mqtt://") {
            (false, rest)
        } else {
            bail!("--mqtt-url must be mqtt://HOST:PORT or mqtts://HOST:PORT, not {url}");
        };
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains(['/', '@', '?', '#']) {
            bail!("--mqtt-url must be mqtt://HOST:PORT or mqtts://HOST:PORT, not {url}");
        }
        let (host, port) = split_host_port(authority, if tls { MQTTS_PORT } else { MQTT_PORT })
            .with_context(|| format!("--mqtt-url {url}"))?;
        let tls = match (tls, &options.mqtt_ca) {
            (true, ca) => Some(tls_config(ca.as_deref())?),
            (false, Some(_)) => bail!("--mqtt-ca needs an mqtts:// --mqtt-url"),
            (false, None) => None,
        };
        let credentials = match (&options.mqtt_username, &options.mqtt_password_file) {
            (Some(user), Some(file)) => Some((user.clone(), password(file)?)),
            (Some(user), None) => Some((user.clone(), String::new())),
            (None, Some(_)) => bail!("--mqtt-password-file needs --mqtt-username"),
            (None, None) => None,
        };
        let name = match &options.mqtt_name {
            Some(name) => {
                if !is_topic_level(name) {
                    bail!("--mqtt-name must be one topic level, without / + or #: {name}");
                }
                name.clone()
            }
            None => topic_safe(&options.server_name),
        };
        let prefix = options.mqtt_prefix.clone();
        if prefix.is_empty() || prefix.contains(['+', '#']) || prefix.starts_with('/') {
            bail!("--mqtt-prefix must be a topic without + or # (and not empty): {prefix}");
        }
        if options.mqtt_max_ping_time == 0 {
            bail!("--mqtt-max-ping-time must not be 0: remote clients must ping");
        }
        Ok(Some(Self {
            host,
            port,
            tls,
            credentials,
            client_id: format!("bpio-engine-{name}"),
            topics: Topics { base: format!("{prefix}/{name}") },
            max_ping_time: Duration::from_millis(u64::from(options.mqtt_max_ping_time)),
            max_message_size: options.max_message_size,
            homeassistant: options.mqtt_homeassistant,
            homeassistant_reads: options.web_port.is_none(),
        }))
    }

    /// Runs the bridge until `stopping` turns true: remote sessions on `hub`, set up as `config`
    /// says (with the bridge's own `MaxPingTime`).
    pub(crate) async fn run(
        self,
        hub: DeviceHub,
        config: SessionConfig,
        mut stopping: watch::Receiver<bool>,
    ) -> Result<()> {
        let config = SessionConfig { max_ping_time: self.max_ping_time, ..config };
        let mut options = MqttOptions::new(&self.client_id, &self.host, self.port);
        options
            .set_keep_alive(Duration::from_secs(5))
            .set_clean_session(true)
            .set_max_packet_size(self.max_message_size, self.max_message_size)
            .set_last_will(LastWill::new(self.topics.status(), "offline", QoS::AtLeastOnce, true));
        if let Some((user, password)) = &self.credentials {
            options.set_credentials(user, password);
        }
        if let Some(tls) = &self.tls {
            options.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(
                Arc::clone(tls),
            )));
        }
        let (client, mut eventloop) = AsyncClient::new(options, 1024);
        // Every reply is one small message: Nagle's algorithm would hold each back for the
        // ack of the one before.
        eventloop.network_options.set_tcp_nodelay(true);
        let (events_tx, mut events) = mpsc::channel(1024);
        let pump = tokio::spawn(pump(eventloop, events_tx, format!("{}:{}", self.host, self.port)));
        let mut bridge = Bridge {
            client: client.clone(),
            topics: self.topics.clone(),
            hub: hub.clone(),
            config,
            sessions: HashMap::new(),
            stop_sessions: watch::channel(false).0,
            connected: false,
            homeassistant: self.homeassistant.then(|| {
                let (topics, reads) = (self.topics.clone(), self.homeassistant_reads);
                homeassistant::HomeAssistant::new(topics, hub.clone(), reads)
            }),
        };
        let mut list = hub.device_list();
        let mut observer = hub.observe();
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(Link::Up) => bridge.connected().await,
                    Some(Link::Publish(publish)) => bridge.publish(publish).await,
                    Some(Link::Down) => bridge.lost(),
                    None => break,
                },
                changed = list.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let devices = list.borrow_and_update().clone();
                    bridge.devices(&devices).await;
                }
                observed = observer.next() => match observed {
                    Some(observed) => bridge.observed(observed).await,
                    None => break,
                },
                () = stopped(&mut stopping) => break,
            }
        }
        bridge.end_sessions();
        if let Some(homeassistant) = &mut bridge.homeassistant {
            homeassistant.end().await;
        }
        // Said by the engine itself, not only by its will: it is going, on purpose.
        let goodbye = async {
            let _ = client.publish(bridge.topics.status(), QoS::AtLeastOnce, true, "offline").await;
            let _ = client.disconnect().await;
            while events.recv().await.is_some() {}
        };
        let _ = tokio::time::timeout(GOODBYE, goodbye).await;
        pump.abort();
        Ok(())
    }
}

/// What the event loop's task reports.
enum Link {
    /// Connected (again): subscriptions and retained messages are to be set up.
    Up,
    Publish(Publish),
    /// The connection to the broker was lost or could not be made.
    Down,
}

/// Drives the MQTT event loop in a task of its own, so that nothing the bridge awaits delays
/// the broker's keep-alive; waits with backoff between attempts to reach the broker.
async fn pump(mut eventloop: rumqttc::EventLoop, events: mpsc::Sender<Link>, broker: String) {
    let mut backoff = Duration::from_secs(1);
    let mut failures = 0u32;
    loop {
        let event = match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                info!(%broker, "connected to the MQTT broker");
                backoff = Duration::from_secs(1);
                failures = 0;
                Link::Up
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => Link::Publish(publish),
            Ok(_) => continue,
            Err(ConnectionError::RequestsDone) => return,
            Err(err) => {
                // Said once; the engine keeps trying quietly until the broker is back.
                if failures == 0 {
                    warn!(%broker, "the MQTT broker is unreachable ({err}); remote clients are not served until it is back, local ones are");
                } else {
                    debug!(%broker, cause = %err, "the MQTT broker is still unreachable");
                }
                failures = failures.saturating_add(1);
                if events.send(Link::Down).await.is_err() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
}

/// The topics of one engine.
#[derive(Debug, Clone)]
pub(crate) struct Topics {
    /// `P/NAME`.
    base: String,
}

impl Topics {
    fn status(&self) -> String {
        format!("{}/status", self.base)
    }

    fn devices(&self) -> String {
        format!("{}/devices", self.base)
    }

    fn commands(&self) -> String {
        format!("{}/command/+", self.base)
    }

    fn reply(&self, id: &str) -> String {
        format!("{}/reply/{id}", self.base)
    }

    /// The client id of a command topic, if `topic` is one.
    fn command_of<'a>(&self, topic: &'a str) -> Option<&'a str> {
        topic.strip_prefix(&self.base)?.strip_prefix("/command/").filter(|id| is_topic_level(id))
    }

    fn base(&self) -> &str {
        &self.base
    }
}

/// A remote session, seen from the bridge.
struct Remote {
    inbox: mpsc::Sender<LinkEvent>,
}

struct Bridge {
    client: AsyncClient,
    topics: Topics,
    hub: DeviceHub,
    config: SessionConfig,
    sessions: HashMap<String, Remote>,
    /// Turned true to end every remote session at once (the broker is lost, or the engine stops).
    stop_sessions: watch::Sender<bool>,
    connected: bool,
    homeassistant: Option<homeassistant::HomeAssistant>,
}

impl Bridge {
    async fn connected(&mut self) {
        self.connected = true;
        let _ = self.client.subscribe(self.topics.commands(), QoS::AtLeastOnce).await;
        let _ = self.client.publish(self.topics.status(), QoS::AtLeastOnce, true, "online").await;
        let devices = self.hub.device_list().borrow().clone();
        self.devices(&devices).await;
        if let Some(homeassistant) = &mut self.homeassistant {
            homeassistant.connected(&self.client, &devices).await;
        }
    }

    /// The broker is gone: every remote session ends (what they ran stops), as a websocket
    /// client's does when its connection drops.
    fn lost(&mut self) {
        if std::mem::take(&mut self.connected) {
            warn!("lost the MQTT broker: every remote session ended and what it ran was stopped");
        }
        self.end_sessions();
        if let Some(homeassistant) = &mut self.homeassistant {
            homeassistant.lost();
        }
    }

    fn end_sessions(&mut self) {
        let _ = self.stop_sessions.send(true);
        self.sessions.clear();
        self.stop_sessions = watch::channel(false).0;
    }

    async fn devices(&mut self, devices: &v4::Devices) {
        if !self.connected {
            return;
        }
        let list =
            v4::ServerMessage::DeviceList(v4::DeviceList { id: 0, devices: devices.clone() });
        let payload = serialize_frame(&[list]);
        let _ = self.client.publish(self.topics.devices(), QoS::AtLeastOnce, true, payload).await;
        if let Some(homeassistant) = &mut self.homeassistant {
            homeassistant.devices(&self.client, devices).await;
        }
    }

    async fn observed(&mut self, observed: bpio::server::runtime::Observed) {
        if let (Some(homeassistant), true) = (&mut self.homeassistant, self.connected) {
            homeassistant.observed(&self.client, observed).await;
        }
    }

    async fn publish(&mut self, publish: Publish) {
        let topic = publish.topic.clone();
        if let Some(id) = self.topics.command_of(&topic) {
            self.command(id.to_owned(), &publish.payload).await;
        } else if let Some(homeassistant) = &mut self.homeassistant {
            homeassistant.publish(&self.client, &topic, &publish.payload).await;
        }
    }

    /// A transmission from remote client `id`: to its session, which starts with the first.
    async fn command(&mut self, id: String, payload: &[u8]) {
        self.sessions.retain(|_, remote| !remote.inbox.is_closed());
        if payload.is_empty() {
            // The client's will, or its goodbye: its session ends at once.
            if let Some(remote) = self.sessions.remove(&id) {
                debug!(client = %id, "remote client gone");
                let _ = remote.inbox.send(LinkEvent::Closed).await;
            }
            return;
        }
        let event = match std::str::from_utf8(payload) {
            Ok(text) => LinkEvent::Text(text.to_owned()),
            Err(_) => LinkEvent::Binary,
        };
        if !self.sessions.contains_key(&id) {
            if self.sessions.len() >= MAX_SESSIONS {
                let refusal = format!(
                    r#"[{{"Error":{{"Id":0,"ErrorCode":1,"ErrorMessage":"the engine serves {MAX_SESSIONS} remote clients at most; try again when one has gone"}}}}]"#
                );
                let _ = self
                    .client
                    .publish(self.topics.reply(&id), QoS::AtLeastOnce, false, refusal)
                    .await;
                return;
            }
            let remote = self.start_session(&id);
            self.sessions.insert(id.clone(), remote);
        }
        if let Some(remote) = self.sessions.get(&id) {
            let _ = remote.inbox.send(event).await;
        }
    }

    fn start_session(&self, id: &str) -> Remote {
        debug!(client = %id, "remote session starts");
        let (inbox, inbound) = mpsc::channel(SESSION_INBOX);
        let (outbound, mut replies) = mpsc::unbounded_channel::<String>();
        let topic = self.topics.reply(id);
        let client = self.client.clone();
        // Replies leave in order, each once the client's request queue has room.
        tokio::spawn(async move {
            while let Some(reply) = replies.recv().await {
                if client.publish(&topic, QoS::AtLeastOnce, false, reply).await.is_err() {
                    return;
                }
            }
        });
        let connection = Remote::connection(inbound, outbound);
        let (hub, config, stop) =
            (self.hub.clone(), self.config.clone(), self.stop_sessions.subscribe());
        tokio::spawn(async move { serve_client(connection, config, &hub, stop).await });
        Remote { inbox }
    }
}

impl Remote {
    fn connection(
        inbound: mpsc::Receiver<LinkEvent>,
        outbound: mpsc::UnboundedSender<String>,
    ) -> RemoteConnection {
        RemoteConnection { inbound, outbound: Some(outbound) }
    }
}

/// A remote session's connection, as the server sees it.
struct RemoteConnection {
    inbound: mpsc::Receiver<LinkEvent>,
    /// `None` once closed.
    outbound: Option<mpsc::UnboundedSender<String>>,
}

impl ClientConnection for RemoteConnection {
    async fn recv(&mut self) -> LinkEvent {
        self.inbound.recv().await.unwrap_or(LinkEvent::Closed)
    }

    fn try_recv(&mut self) -> Option<LinkEvent> {
        match self.inbound.try_recv() {
            Ok(event) => Some(event),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => Some(LinkEvent::Closed),
        }
    }

    fn send(&mut self, text: String) -> bool {
        self.outbound.as_ref().is_some_and(|outbound| outbound.send(text).is_ok())
    }

    fn close(&mut self, _reason: CloseReason) {
        // What is queued still goes out; nothing after it. The next transmission from the client
        // starts a new session.
        self.outbound = None;
        self.inbound.close();
    }
}

async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stopping| *stopping).await;
}

/// `host:port`, `host`, `[v6]:port` or `[v6]`.
fn split_host_port(authority: &str, default_port: u16) -> Result<(String, u16)> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']').context("an IPv6 address needs its ]")?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(port) => port.parse().with_context(|| format!("{port} is not a port"))?,
        None => default_port,
    };
    Ok((host.to_owned(), port))
}

/// Whether `text` is one MQTT topic level a client may use: not empty, no `/`, `+` or `#`.
fn is_topic_level(text: &str) -> bool {
    !text.is_empty() && !text.contains(['/', '+', '#'])
}

/// `name` as a topic level: lower case, and `-` for every character but `a-z`, `0-9`, `-`, `_`.
fn topic_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' { c } else { '-' })
        .collect();
    if safe.is_empty() { "bpio".to_owned() } else { safe }
}

fn password(file: &Path) -> Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("--mqtt-password-file {}: cannot read it", file.display()))?;
    Ok(text.lines().next().unwrap_or_default().trim_end_matches('\r').to_owned())
}

/// A TLS client configuration on the ring provider: the roots of `ca` (a PEM file), or the
/// bundled public roots.
fn tls_config(ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("--mqtt-ca {}: cannot read it", path.display()))?;
            let mut added = 0;
            for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&pem) {
                let cert =
                    cert.with_context(|| format!("--mqtt-ca {}: not PEM", path.display()))?;
                roots.add(cert).with_context(|| {
                    format!("--mqtt-ca {}: a certificate TLS cannot use", path.display())
                })?;
                added += 1;
            }
            if added == 0 {
                bail!("--mqtt-ca {}: no certificate in it", path.display());
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS for the MQTT broker")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_one_topic_level() {
        assert_eq!(topic_safe("Buttplug Server"), "buttplug-server");
        assert_eq!(topic_safe("Küche/#1"), "k-che--1");
        assert!(is_topic_level("bpio-abc"));
        for bad in ["", "a/b", "a+", "#"] {
            assert!(!is_topic_level(bad), "{bad}");
        }
    }

    #[test]
    fn broker_addresses_take_default_ports() {
        assert_eq!(split_host_port("127.0.0.1:1884", 1883).unwrap(), ("127.0.0.1".into(), 1884));
        assert_eq!(
            split_host_port("broker.example", 8883).unwrap(),
            ("broker.example".into(), 8883)
        );
        assert_eq!(split_host_port("[::1]:1884", 1883).unwrap(), ("::1".into(), 1884));
        assert!(split_host_port("host:port", 1883).is_err());
    }

    #[test]
    fn command_topics_name_one_client() {
        let topics = Topics { base: "bpio/home".into() };
        assert_eq!(topics.command_of("bpio/home/command/phone-1"), Some("phone-1"));
        assert_eq!(topics.command_of("bpio/home/reply/phone-1"), None);
        assert_eq!(topics.command_of("bpio/homely/command/x"), None);
        assert_eq!(topics.reply("phone-1"), "bpio/home/reply/phone-1");
    }
}
