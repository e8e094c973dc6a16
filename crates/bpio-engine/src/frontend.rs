//! The GUI channel of `--frontend-websocket-port`, for GUIs written for intiface-engine (Intiface
//! Central and its predecessors).
//!
//! The engine listens on 127.0.0.1 only, waits for the GUI to connect before it starts, and
//! exchanges one JSON object per text frame with it, in intiface-engine's shapes: the GUI asks
//! for the engine's version or for a stop; the engine says it started, created its server,
//! failed (a taken port in detail) or stopped, and tells what the server observes (clients,
//! devices, the outputs clients set) and every log line. A `Stop`, or the GUI going away, stops
//! the engine as Ctrl-C does. docs/GUI.md describes the channel.

use std::collections::BTreeSet;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context as _, Result};
use bpio::server::runtime::{DeviceHub, Observation, Observed, Observer};
use bpio::transport_ws::{self, CloseCode, Inbound, Incoming, Outbound};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber, info, warn};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::layer::{Context, Layer};

/// What the engine answers `RequestEngineVersion` with.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Log lines that may wait for the GUI before new ones are dropped (and counted).
const LOG_BACKLOG: usize = 1024;

/// How long the engine waits, once stopped, for its last messages to reach the GUI.
const FLUSH_PATIENCE: Duration = Duration::from_secs(2);

/// What the engine tells the GUI. Every variant is an object, even an empty one, as the
/// reference's are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum EngineMessage {
    EngineVersion {
        version: String,
    },
    /// One log line: a JSON object (timestamp, level, fields, target) as a string.
    EngineLog {
        message: String,
    },
    EngineStarted {},
    EngineError {
        error: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<ErrorDetail>,
    },
    /// The service fields are for mDNS; without it the object is empty.
    EngineServerCreated {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instance_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        txt_records: Option<Vec<String>>,
    },
    EngineStopped {},
    ClientConnected {
        client_name: String,
    },
    ClientDisconnected {},
    DeviceConnected {
        name: String,
        index: u32,
        identifier: DeviceIdentifier,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        display_name: Option<String>,
        needs_keepalive: bool,
    },
    DeviceDisconnected {
        index: u32,
    },
    DeviceOutputObservation {
        device_index: u32,
        feature_index: u32,
        output_type: String,
        value: f64,
    },
}

/// Why the engine failed, for a GUI that offers a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub(crate) enum ErrorDetail {
    PortInUse { address: String, port: u16 },
}

/// A device as the user config's records name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DeviceIdentifier {
    protocol: String,
    identifier: Option<String>,
    address: String,
}

/// What the GUI asks of the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum GuiMessage {
    /// Answered with `EngineVersion`; the expected version is not checked, as with the reference.
    RequestEngineVersion {
        expected_version: u32,
    },
    Stop {},
}

/// A listen port another program holds. A GUI is told which, in `EngineError`'s detail.
#[derive(Debug)]
pub(crate) struct PortInUse {
    /// The address the engine tried to listen on.
    pub(crate) address: SocketAddr,
    /// The flag that changes the port.
    pub(crate) flag: &'static str,
}

impl std::fmt::Display for PortInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (port, flag) = (self.address.port(), self.flag);
        write!(f, "port {port} is already in use; choose another with {flag}")
    }
}

impl std::error::Error for PortInUse {}

/// The connected GUI.
pub(crate) struct Gui {
    to_gui: mpsc::UnboundedSender<EngineMessage>,
    /// Turns true when the GUI asks for a stop or goes away.
    stop: watch::Receiver<bool>,
    /// Turns true when the engine has stopped: observations still waiting are sent, then the
    /// forwarding ends.
    finishing: watch::Sender<bool>,
    watcher: Mutex<Option<JoinHandle<()>>>,
    sender: JoinHandle<()>,
    reader: JoinHandle<()>,
}

impl Gui {
    /// Listens on 127.0.0.1:`port` and waits for the GUI; `None` when `signal` (Ctrl-C or
    /// SIGTERM) comes first. The listener is closed once the GUI is connected.
    pub(crate) async fn connect(
        port: u16,
        signal: Pin<&mut impl Future<Output = std::io::Result<()>>>,
    ) -> Result<Option<Self>> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut listener = transport_ws::listen(address, transport_ws::Config::default())
            .await
            .map_err(|err| match err {
                transport_ws::Error::AddrInUse { .. } => {
                    anyhow::Error::new(PortInUse { address, flag: "--frontend-websocket-port" })
                }
                other => anyhow::Error::new(other)
                    .context(format!("cannot listen for the GUI on {address}")),
            })?;
        info!("waiting for the GUI on ws://{}", listener.local_addr());
        let connection = tokio::select! {
            connection = listener.accept() => connection,
            signal = signal => {
                signal.context("waiting for the stop signal")?;
                return Ok(None);
            }
        };
        drop(listener);
        let connection = connection.context("the GUI listener stopped")?;
        let (inbound, outbound) = connection.split();
        let (to_gui, events) = mpsc::unbounded_channel();
        let (stop_tx, stop) = watch::channel(false);
        let (log_tx, logs) = mpsc::channel(LOG_BACKLOG);
        // Started first, so no log line goes out before it.
        let _ = to_gui.send(EngineMessage::EngineStarted {});
        let sender = tokio::spawn(send_to_gui(outbound, events, logs));
        let reader = tokio::spawn(read_from_gui(inbound, to_gui.clone(), stop_tx));
        *LOG_TAP.lock().unwrap_or_else(PoisonError::into_inner) = Some(log_tx);
        info!("the GUI connected");
        Ok(Some(Self {
            to_gui,
            stop,
            finishing: watch::Sender::new(false),
            watcher: Mutex::new(None),
            sender,
            reader,
        }))
    }

    /// The engine serves `hub`, advertised over mDNS as `service` (instance name and port) if it
    /// is: the GUI is told the server exists, and from now on what the server observes.
    pub(crate) fn serving(&self, hub: &DeviceHub, service: Option<(&str, u16)>) {
        let forward =
            forward_observations(hub.observe(), self.to_gui.clone(), self.finishing.subscribe());
        *self.watcher.lock().unwrap_or_else(PoisonError::into_inner) = Some(tokio::spawn(forward));
        self.send(server_created(service));
    }

    /// Resolves when the GUI asks the engine to stop or goes away.
    pub(crate) fn stop_requested(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stop = self.stop.clone();
        async move {
            // An error means the reader ended: the GUI is gone.
            let _ = stop.wait_for(|stop| *stop).await;
        }
    }

    /// The engine has stopped (every device stopped) with `result`: the GUI gets what is still
    /// waiting for it, the error if there is one, and `EngineStopped`, then the channel closes.
    pub(crate) async fn stopped(self, result: &Result<()>) {
        self.finishing.send_replace(true);
        let watcher = self.watcher.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(watcher) = watcher {
            let _ = tokio::time::timeout(FLUSH_PATIENCE, watcher).await;
        }
        if let Err(err) = result {
            self.send(engine_error(err));
        }
        self.send(EngineMessage::EngineStopped {});
        *LOG_TAP.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let _ = tokio::time::timeout(FLUSH_PATIENCE, self.sender).await;
        let _ = tokio::time::timeout(FLUSH_PATIENCE, self.reader).await;
    }

    fn send(&self, message: EngineMessage) {
        // Fails only once the GUI is gone, and then nobody is left to tell.
        let _ = self.to_gui.send(message);
    }
}

/// `EngineServerCreated` for a server advertised as `service`, or not advertised.
fn server_created(service: Option<(&str, u16)>) -> EngineMessage {
    let (instance_name, port) = service.unzip();
    let advertised = service.is_some();
    EngineMessage::EngineServerCreated {
        // The reference names the service type without the domain.
        service_type: advertised
            .then(|| crate::mdns::SERVICE_TYPE.trim_end_matches(".local.").to_owned()),
        instance_name: instance_name.map(str::to_owned),
        port,
        txt_records: advertised.then(|| vec!["path=/".to_owned()]),
    }
}

/// `EngineError` for `err`, with the detail of a taken port anywhere in its chain.
fn engine_error(err: &anyhow::Error) -> EngineMessage {
    let detail = err.chain().find_map(|cause| cause.downcast_ref::<PortInUse>()).map(|taken| {
        ErrorDetail::PortInUse {
            address: taken.address.ip().to_string(),
            port: taken.address.port(),
        }
    });
    EngineMessage::EngineError { error: format!("{err:#}"), detail }
}

/// Writes every message for the GUI to its socket, events before log lines; after
/// `EngineStopped`, the last, it closes the connection.
async fn send_to_gui(
    outbound: Outbound,
    mut events: mpsc::UnboundedReceiver<EngineMessage>,
    mut logs: mpsc::Receiver<String>,
) {
    loop {
        let message = tokio::select! {
            biased;
            event = events.recv() => match event {
                Some(event) => event,
                None => break,
            },
            Some(line) = logs.recv() => EngineMessage::EngineLog { message: line },
        };
        let last = message == EngineMessage::EngineStopped {};
        if last {
            // The lines logged while the engine stopped belong before it.
            while let Ok(line) = logs.try_recv() {
                send_message(&outbound, &EngineMessage::EngineLog { message: line });
            }
        }
        if !send_message(&outbound, &message) {
            break;
        }
        if last {
            outbound.close(CloseCode::Normal, "engine stopped");
            break;
        }
        let dropped = LOGS_DROPPED.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            warn!("{dropped} log lines were not sent to the GUI: it fell behind");
        }
    }
}

/// Sends one message; `false` once the connection is closed.
fn send_message(outbound: &Outbound, message: &EngineMessage) -> bool {
    match serde_json::to_string(message) {
        Ok(text) => outbound.send(text),
        Err(err) => {
            warn!(cause = %err, "cannot serialize a message for the GUI");
            true
        }
    }
}

/// Answers the GUI's messages until it goes away, which, as a `Stop`, turns `stop` true.
async fn read_from_gui(
    mut inbound: Incoming,
    to_gui: mpsc::UnboundedSender<EngineMessage>,
    stop: watch::Sender<bool>,
) {
    loop {
        match inbound.recv().await {
            Inbound::Text(text) => match serde_json::from_str::<GuiMessage>(&text) {
                Ok(GuiMessage::RequestEngineVersion { expected_version }) => {
                    info!(expected_version, "the GUI asked for the engine version");
                    let _ = to_gui.send(EngineMessage::EngineVersion { version: VERSION.into() });
                }
                Ok(GuiMessage::Stop {}) => {
                    info!("the GUI asked the engine to stop");
                    stop.send_replace(true);
                }
                Err(err) => warn!(
                    "ignoring a message from the GUI ({err}); it takes \
                     {{\"RequestEngineVersion\":{{\"expected_version\":N}}}} and {{\"Stop\":{{}}}}"
                ),
            },
            Inbound::Binary(_) => {
                warn!("ignoring a binary message from the GUI; it takes JSON text")
            }
            Inbound::TooBig | Inbound::Closed => {
                if !*stop.borrow() {
                    info!("the GUI disconnected; the engine stops");
                }
                stop.send_replace(true);
                return;
            }
        }
    }
}

/// Forwards what the server observes to the GUI until `finishing` turns true, then what is still
/// waiting.
async fn forward_observations(
    mut observer: Observer,
    to_gui: mpsc::UnboundedSender<EngineMessage>,
    mut finishing: watch::Receiver<bool>,
) {
    // The clients connected: at the end their sessions may still be closing, and the GUI is to
    // hear that they left before the engine stopped.
    let mut clients = BTreeSet::new();
    let mut connected = false;
    let mut forward = |observed: Observed| match observed {
        Observed::Event(observation) => {
            match observation {
                Observation::ClientConnected { session, .. } => {
                    clients.insert(session);
                }
                Observation::ClientDisconnected { session } => {
                    clients.remove(&session);
                }
                _ => {}
            }
            if let Some(message) = message_for(observation) {
                let _ = to_gui.send(message);
            }
            !clients.is_empty()
        }
        Observed::Missed(missed) => {
            warn!("{missed} events were not sent to the GUI: the engine fell behind");
            !clients.is_empty()
        }
    };
    loop {
        tokio::select! {
            observed = observer.next() => match observed {
                Some(observed) => connected = forward(observed),
                None => return,
            },
            _ = finishing.wait_for(|finishing| *finishing) => break,
        }
    }
    let mut waiting_for_client = connected;
    while let Some(observed) = observer.try_next() {
        waiting_for_client = forward(observed);
    }
    // Every session ends as the engine stops; a session that is slow to end is not waited for.
    let deadline = tokio::time::Instant::now() + FLUSH_PATIENCE / 2;
    while waiting_for_client {
        match tokio::time::timeout_at(deadline, observer.next()).await {
            Ok(Some(observed)) => waiting_for_client = forward(observed),
            Ok(None) | Err(_) => return,
        }
    }
}

/// The GUI's message for an observation, if the GUI has one for it.
fn message_for(observation: Observation) -> Option<EngineMessage> {
    Some(match observation {
        Observation::ClientConnected { name, .. } => {
            EngineMessage::ClientConnected { client_name: name }
        }
        Observation::ClientDisconnected { .. } => EngineMessage::ClientDisconnected {},
        Observation::DeviceConnected(device) => EngineMessage::DeviceConnected {
            name: device.name.clone(),
            index: device.index,
            identifier: DeviceIdentifier {
                protocol: device.protocol.clone(),
                identifier: device.identifier.clone(),
                address: device.address.clone(),
            },
            display_name: device.display_name.clone(),
            needs_keepalive: device.needs_keepalive,
        },
        Observation::DeviceDisconnected { index } => EngineMessage::DeviceDisconnected { index },
        Observation::Output { device, feature, output, value } => {
            EngineMessage::DeviceOutputObservation {
                device_index: device,
                feature_index: feature,
                output_type: output.as_str().to_owned(),
                // Step values are far below 2^53, so the conversion is exact.
                #[allow(clippy::cast_precision_loss)]
                value: value as f64,
            }
        }
        // intiface-engine's GUI messages have nothing for these.
        Observation::Scanning(_) | Observation::Input { .. } => return None,
    })
}

/// Where log lines go while a GUI is connected; `None` before and after.
static LOG_TAP: Mutex<Option<mpsc::Sender<String>>> = Mutex::new(None);

/// Log lines dropped since the last one sent, because the GUI fell behind.
static LOGS_DROPPED: AtomicU64 = AtomicU64::new(0);

/// The tracing layer that sends log lines to whoever reads them besides the console: a connected
/// GUI gets `EngineLog` messages, each line the JSON object a GUI for intiface-engine reads
/// (timestamp, level, fields, target), and the web panel gets one line of text each. It never
/// waits: lines beyond what a reader has not taken yet are dropped (and counted for the GUI).
#[derive(Debug, Default)]
pub struct LogTaps;

impl<S: Subscriber> Layer<S> for LogTaps {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        // The websocket library logs each frame it sends: sending those lines to the GUI or
        // the panel would make more of them, without end.
        let target = event.metadata().target();
        if target.starts_with("tungstenite") || target.starts_with("tokio_tungstenite") {
            return;
        }
        let gui = LOG_TAP.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let panel = crate::web::log_tap();
        if gui.is_none() && panel.is_none() {
            return;
        }
        let mut fields = JsonFields(Map::new());
        event.record(&mut fields);
        let mut timestamp = String::new();
        let _ = SystemTime.format_time(&mut Writer::new(&mut timestamp));
        let metadata = event.metadata();
        if let Some(panel) = panel {
            let _ = panel.try_send(crate::web::log_text(&timestamp, *metadata.level(), &fields.0));
        }
        if let Some(gui) = gui {
            let line = serde_json::json!({
                "timestamp": timestamp,
                "level": metadata.level().as_str(),
                "fields": fields.0,
                "target": metadata.target(),
            });
            if gui.try_send(line.to_string()).is_err() {
                LOGS_DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// An event's fields as JSON values.
struct JsonFields(Map<String, Value>);

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), Value::String(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::String(value.to_owned()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), value.into());
    }
}

#[cfg(test)]
mod tests {
    //! The shapes the reference's own tests expect, and those a GUI sends.
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn shape(message: &EngineMessage) -> Value {
        serde_json::to_value(message).unwrap()
    }

    #[test]
    fn an_error_without_detail_has_only_its_text() {
        let message = EngineMessage::EngineError { error: "startup failed".into(), detail: None };
        assert_eq!(shape(&message), json!({"EngineError": {"error": "startup failed"}}));
    }

    #[test]
    fn a_taken_port_is_a_structured_detail() {
        let message = EngineMessage::EngineError {
            error: "address already in use".into(),
            detail: Some(ErrorDetail::PortInUse { address: "127.0.0.1".into(), port: 12345 }),
        };
        assert_eq!(
            shape(&message),
            json!({"EngineError": {
                "error": "address already in use",
                "detail": {"code": "port_in_use", "port": 12345, "address": "127.0.0.1"}
            }})
        );
    }

    #[test]
    fn a_taken_port_anywhere_in_the_chain_gives_the_detail() {
        let taken = PortInUse { address: "127.0.0.1:12345".parse().unwrap(), flag: "--flag" };
        let err = anyhow::Error::new(taken).context("cannot start");
        let EngineMessage::EngineError { error, detail } = engine_error(&err) else {
            panic!("an EngineError")
        };
        assert_eq!(error, "cannot start: port 12345 is already in use; choose another with --flag");
        assert_eq!(
            detail,
            Some(ErrorDetail::PortInUse { address: "127.0.0.1".into(), port: 12345 })
        );
        let other = engine_error(&anyhow::anyhow!("something else"));
        assert_eq!(shape(&other), json!({"EngineError": {"error": "something else"}}));
    }

    #[test]
    fn server_created_carries_service_fields_only_when_there_are_some() {
        let message = server_created(Some(("Intiface ABC123", 12345)));
        assert_eq!(
            shape(&message),
            json!({"EngineServerCreated": {
                "service_type": "_intiface_engine._tcp",
                "instance_name": "Intiface ABC123",
                "port": 12345,
                "txt_records": ["path=/"]
            }})
        );
        let empty: EngineMessage =
            serde_json::from_value(json!({"EngineServerCreated": {}})).unwrap();
        assert_eq!(
            empty,
            EngineMessage::EngineServerCreated {
                service_type: None,
                instance_name: None,
                port: None,
                txt_records: None
            }
        );
        assert_eq!(shape(&server_created(None)), json!({"EngineServerCreated": {}}));
    }

    #[test]
    fn empty_messages_are_empty_objects() {
        assert_eq!(shape(&EngineMessage::EngineStarted {}), json!({"EngineStarted": {}}));
        assert_eq!(shape(&EngineMessage::EngineStopped {}), json!({"EngineStopped": {}}));
        assert_eq!(shape(&EngineMessage::ClientDisconnected {}), json!({"ClientDisconnected": {}}));
    }

    #[test]
    fn observations_have_the_reference_shapes() {
        use bpio::protocol::v4::OutputType;
        use bpio::server::runtime::ObservedDevice;

        let device = ObservedDevice {
            index: 3,
            name: "Lovense Hush".into(),
            display_name: None,
            protocol: "lovense".into(),
            identifier: Some("Z".into()),
            address: "sim-hush".into(),
            needs_keepalive: false,
            transport: bpio::hardware::Transport::Btle,
        };
        assert_eq!(
            shape(&message_for(Observation::DeviceConnected(device.into())).unwrap()),
            json!({"DeviceConnected": {
                "name": "Lovense Hush",
                "index": 3,
                "identifier": {"protocol": "lovense", "identifier": "Z", "address": "sim-hush"},
                "needs_keepalive": false
            }})
        );
        let output = Observation::Output {
            device: 3,
            feature: 1,
            output: OutputType::HwPositionWithDuration,
            value: 40,
        };
        assert_eq!(
            shape(&message_for(output).unwrap()),
            json!({"DeviceOutputObservation": {
                "device_index": 3, "feature_index": 1,
                "output_type": "HwPositionWithDuration", "value": 40.0
            }})
        );
        let connected = Observation::ClientConnected {
            session: bpio::server::SessionId::new(1),
            name: "game".into(),
            version: bpio::protocol::SpecVersion::V3,
        };
        assert_eq!(
            shape(&message_for(connected).unwrap()),
            json!({"ClientConnected": {"client_name": "game"}})
        );
        assert_eq!(
            shape(&message_for(Observation::DeviceDisconnected { index: 3 }).unwrap()),
            json!({"DeviceDisconnected": {"index": 3}})
        );
    }

    #[test]
    fn the_gui_messages_parse_and_others_are_refused() {
        let version: GuiMessage =
            serde_json::from_str(r#"{"RequestEngineVersion":{"expected_version":1}}"#).unwrap();
        assert_eq!(version, GuiMessage::RequestEngineVersion { expected_version: 1 });
        let stop: GuiMessage = serde_json::from_str(r#"{"Stop":{}}"#).unwrap();
        assert_eq!(stop, GuiMessage::Stop {});
        for bad in [r#"{"Start":{}}"#, r#"{"RequestEngineVersion":{}}"#, "[]", "not json"] {
            assert!(serde_json::from_str::<GuiMessage>(bad).is_err(), "{bad}");
        }
    }
}
