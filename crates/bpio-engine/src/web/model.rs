//! What the panel shows, kept from what the engine already tells: the device list the hub
//! publishes, and the observations of clients, scans, outputs and readings (docs/PANEL.md).
//!
//! One task applies every change to the [`Model`] and hands the message for it to every live
//! channel, under one lock, so a channel that starts gets a `hello` and then exactly the changes
//! after it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use bpio::hardware::Transport;
use bpio::protocol::v4;
use bpio::server::SessionId;
use bpio::server::runtime::{DeviceHub, Observation, Observed, Observer};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc, watch};

/// Log lines a panel is shown when it opens.
pub(super) const LOG_LINES: usize = 300;

/// Changes a live channel may fall behind by before it is sent a fresh `hello` instead.
const BACKLOG: usize = 1024;

/// The engine as the panel's `hello` describes it.
#[derive(Debug, Clone, Serialize)]
pub struct ServerView {
    /// The name clients are told.
    pub name: String,
    /// Where clients connect; `None` when the engine connects out to a client instead.
    pub clients_url: Option<String>,
    /// How many clients are served at once.
    pub max_clients: u16,
}

#[derive(Debug, Clone, Serialize)]
struct ClientView {
    id: u64,
    name: String,
    version: String,
}

#[derive(Debug, Clone, Serialize)]
struct DeviceView {
    index: u32,
    name: String,
    display_name: Option<String>,
    transport: &'static str,
    features: Vec<FeatureView>,
}

#[derive(Debug, Clone, Serialize)]
struct FeatureView {
    index: u32,
    description: String,
    outputs: Vec<OutputView>,
    inputs: Vec<InputView>,
}

#[derive(Debug, Clone, Serialize)]
struct OutputView {
    #[serde(rename = "type")]
    output: v4::OutputType,
    min: i64,
    max: i64,
    level: i64,
}

#[derive(Debug, Clone, Serialize)]
struct InputView {
    #[serde(rename = "type")]
    input: v4::InputType,
    reading: Option<i64>,
}

/// What the panel shows.
#[derive(Debug)]
pub(super) struct Model {
    server: ServerView,
    /// The panel's own session's client name, left out of the clients shown.
    own_name: &'static str,
    clients: BTreeMap<SessionId, ClientView>,
    scanning: bool,
    devices: BTreeMap<u32, DeviceView>,
    /// The hub's list as last seen. A listed device is shown once its transport is known.
    listed: v4::Devices,
    /// How each device is reached, observed when it connects, just before it is listed.
    transports: BTreeMap<u32, Transport>,
    log: VecDeque<String>,
}

/// The model, and the channel its changes go out on.
#[derive(Debug)]
pub(super) struct Shared {
    model: Mutex<Model>,
    changes: broadcast::Sender<Arc<str>>,
}

impl Shared {
    pub(super) fn new(server: ServerView, own_name: &'static str) -> Arc<Self> {
        let model = Model {
            server,
            own_name,
            clients: BTreeMap::new(),
            scanning: false,
            devices: BTreeMap::new(),
            listed: v4::Devices::default(),
            transports: BTreeMap::new(),
            log: VecDeque::new(),
        };
        Arc::new(Self { model: Mutex::new(model), changes: broadcast::channel(BACKLOG).0 })
    }

    /// The `hello` for a channel that starts now, and the changes from then on.
    pub(super) fn subscribe(&self) -> (String, broadcast::Receiver<Arc<str>>) {
        let model = self.lock();
        let changes = self.changes.subscribe();
        (model.hello().to_string(), changes)
    }

    /// Applies `change` to the model and tells every channel what it returns.
    fn apply(&self, change: impl FnOnce(&mut Model) -> Vec<Value>) {
        let mut model = self.lock();
        for message in change(&mut model) {
            // An error only means no channel is open.
            let _ = self.changes.send(message.to_string().into());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Model {
    fn hello(&self) -> Value {
        json!({
            "type": "hello",
            "server": self.server,
            "clients": self.clients.values().collect::<Vec<_>>(),
            "scanning": self.scanning,
            "devices": self.devices.values().collect::<Vec<_>>(),
            "log": self.log,
        })
    }

    fn observe(&mut self, observation: Observation) -> Vec<Value> {
        match observation {
            Observation::ClientConnected { session, name, version } => {
                if name == self.own_name {
                    return Vec::new();
                }
                let client = ClientView { id: session.get(), name, version: version.to_string() };
                self.clients.insert(session, client.clone());
                vec![json!({"type": "client_connected", "client": client})]
            }
            Observation::ClientDisconnected { session } => match self.clients.remove(&session) {
                Some(_) => vec![json!({"type": "client_disconnected", "id": session.get()})],
                None => Vec::new(),
            },
            Observation::Scanning(scanning) => {
                self.scanning = scanning;
                vec![json!({"type": "scanning", "scanning": scanning})]
            }
            Observation::DeviceConnected(device) => {
                self.transports.insert(device.index, device.transport);
                self.sync(false)
            }
            // The list may already show a device that came back at the same index; its view
            // goes, and comes back with its outputs at 0 when it is observed connecting again.
            Observation::DeviceDisconnected { index } => {
                self.transports.remove(&index);
                match self.devices.remove(&index) {
                    Some(_) => vec![json!({"type": "device_removed", "index": index})],
                    None => Vec::new(),
                }
            }
            Observation::Output { device, feature, output, value } => {
                let Some(view) = self.output(device, feature, output) else { return Vec::new() };
                view.level = value;
                vec![json!({
                    "type": "output", "device": device, "feature": feature, "output": output,
                    "value": value,
                })]
            }
            Observation::Input { device, feature, reading } => {
                let input = reading.input_type();
                let Some(view) = self.input(device, feature, input) else { return Vec::new() };
                view.reading = Some(reading.value());
                vec![json!({
                    "type": "input", "device": device, "feature": feature, "input": input,
                    "value": reading.value(),
                })]
            }
        }
    }

    /// Takes the hub's newest list and brings the devices shown in line with it.
    fn list(&mut self, list: v4::Devices) -> Vec<Value> {
        self.listed = list;
        self.sync(false)
    }

    /// Brings the devices shown in line with the list: one no longer listed goes, and one that
    /// is listed and whose connection was observed is added with its outputs at 0. (One that
    /// left and came back was removed when its leaving was observed.) A listed device whose
    /// connection was not observed waits for it, unless `anyway`: its observation was lost.
    fn sync(&mut self, anyway: bool) -> Vec<Value> {
        let mut messages = Vec::new();
        let listed = &*self.listed;
        let gone: Vec<u32> =
            self.devices.keys().copied().filter(|index| !listed.contains_key(index)).collect();
        for index in gone {
            self.devices.remove(&index);
            messages.push(json!({"type": "device_removed", "index": index}));
        }
        for (index, device) in listed {
            let transport = self.transports.get(index).copied();
            if self.devices.contains_key(index) || (transport.is_none() && !anyway) {
                continue;
            }
            let view = device_view(device, transport);
            messages.push(json!({"type": "device_added", "device": view}));
            self.devices.insert(*index, view);
        }
        messages
    }

    fn log(&mut self, line: String) -> Vec<Value> {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line.clone());
        vec![json!({"type": "log", "line": line})]
    }

    fn output(
        &mut self,
        device: u32,
        feature: u32,
        output: v4::OutputType,
    ) -> Option<&mut OutputView> {
        let feature =
            self.devices.get_mut(&device)?.features.iter_mut().find(|f| f.index == feature)?;
        feature.outputs.iter_mut().find(|view| view.output == output)
    }

    fn input(&mut self, device: u32, feature: u32, input: v4::InputType) -> Option<&mut InputView> {
        let feature =
            self.devices.get_mut(&device)?.features.iter_mut().find(|f| f.index == feature)?;
        feature.inputs.iter_mut().find(|view| view.input == input)
    }
}

fn device_view(device: &v4::Device, transport: Option<Transport>) -> DeviceView {
    let features = device
        .device_features
        .values()
        .map(|feature| FeatureView {
            index: feature.feature_index,
            description: feature.feature_description.clone(),
            outputs: feature
                .output
                .iter()
                .flat_map(|outputs| {
                    outputs.types().filter_map(|ty| Some((ty, outputs.ranges(ty)?)))
                })
                .map(|(output, ranges)| OutputView {
                    output,
                    min: ranges.value.min().into(),
                    max: ranges.value.max().into(),
                    level: 0,
                })
                .collect(),
            inputs: feature
                .input
                .iter()
                .flat_map(|inputs| inputs.types())
                .map(|input| InputView { input, reading: None })
                .collect(),
        })
        .collect();
    DeviceView {
        index: device.device_index,
        name: device.device_name.clone(),
        display_name: device.device_display_name.clone(),
        transport: transport.map_or("unknown", transport_name),
        features,
    }
}

/// How a person calls a transport.
fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Btle => "Bluetooth LE",
        Transport::Serial => "Serial port",
        Transport::Hid => "HID",
        Transport::Usb => "USB",
        Transport::Gamepad => "Gamepad",
        Transport::LovenseConnect => "Lovense Connect",
        Transport::Websocket => "Websocket",
        Transport::Simulated => "Simulated",
    }
}

/// Keeps `shared` up to date until the hub is gone or `stopping` turns true: the device list,
/// the observations, and the log lines from `logs`.
pub(super) async fn run(
    shared: Arc<Shared>,
    hub: DeviceHub,
    mut observer: Observer,
    mut logs: mpsc::Receiver<String>,
    mut stopping: watch::Receiver<bool>,
) {
    let mut list = hub.device_list();
    // A listed device was observed connecting before it was listed: if the observer was made by
    // then, its observation is waiting. One listed before the observer was made was not observed.
    let current = list.borrow_and_update().clone();
    while let Some(observed) = observer.try_next() {
        apply(&shared, observed);
    }
    shared.apply(|model| {
        model.listed = current;
        model.sync(true)
    });
    loop {
        tokio::select! {
            observed = observer.next() => match observed {
                Some(observed) => {
                    // A session reads or commands only a listed device, so the list that
                    // shows it has changed before its observation comes: take it first.
                    if list.has_changed().unwrap_or(false) {
                        let current = list.borrow_and_update().clone();
                        shared.apply(|model| model.list(current));
                    }
                    apply(&shared, observed);
                }
                None => return,
            },
            changed = list.changed() => {
                if changed.is_err() {
                    return;
                }
                let current = list.borrow_and_update().clone();
                shared.apply(|model| model.list(current));
            }
            Some(line) = logs.recv() => shared.apply(|model| model.log(line)),
            _ = stopping.wait_for(|stopping| *stopping) => return,
        }
    }
}

fn apply(shared: &Shared, observed: Observed) {
    match observed {
        Observed::Event(observation) => shared.apply(|model| model.observe(observation)),
        // What was missed is lost to the model too; the levels catch up with the next commands,
        // and a device whose connection was missed is shown without its transport.
        Observed::Missed(missed) => {
            tracing::warn!("the web panel missed {missed} observations: the engine fell behind");
            shared.apply(|model| model.sync(true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rabbit(level_max: u32) -> v4::Devices {
        let device: v4::Device = serde_json::from_value(json!({
            "DeviceIndex": 0,
            "DeviceName": "Example Rabbit",
            "DeviceMessageTimingGap": 0,
            "DeviceFeatures": {"0": {
                "FeatureIndex": 0,
                "FeatureDescription": "Vibrator",
                "Output": {"Vibrate": {"Value": [0, level_max]}},
            }},
        }))
        .unwrap();
        Arc::new(BTreeMap::from([(0, device)]))
    }

    fn model() -> Arc<Shared> {
        let server = ServerView { name: "test".into(), clients_url: None, max_clients: 1 };
        Shared::new(server, "panel")
    }

    fn kinds(messages: &[Value]) -> Vec<&str> {
        messages.iter().map(|m| m["type"].as_str().unwrap()).collect()
    }

    fn connected(index: u32) -> Observation {
        Observation::DeviceConnected(Arc::new(bpio::server::runtime::ObservedDevice {
            index,
            name: "Example Rabbit".into(),
            display_name: None,
            protocol: "example".into(),
            identifier: None,
            address: "rabbit".into(),
            needs_keepalive: false,
            transport: Transport::Websocket,
        }))
    }

    #[test]
    fn a_listed_device_is_shown_once_its_connection_is_observed_whichever_comes_first() {
        let shared = model();
        let mut model = shared.lock();
        assert!(model.list(rabbit(20)).is_empty());
        let shown = model.observe(connected(0));
        assert_eq!(kinds(&shown), ["device_added"]);
        assert_eq!(shown[0]["device"]["transport"], "Websocket");

        let shared = self::model();
        let mut model = shared.lock();
        assert!(model.observe(connected(0)).is_empty());
        let shown = model.list(rabbit(20));
        assert_eq!(kinds(&shown), ["device_added"]);
        assert_eq!(shown[0]["device"]["transport"], "Websocket");
        let read = model.observe(Observation::Output {
            device: 0,
            feature: 0,
            output: v4::OutputType::Vibrate,
            value: 3,
        });
        assert_eq!(kinds(&read), ["output"]);
    }

    #[test]
    fn a_listed_device_whose_connection_was_missed_is_shown_without_its_transport() {
        let shared = model();
        let mut model = shared.lock();
        assert!(model.list(rabbit(20)).is_empty());
        let shown = model.sync(true);
        assert_eq!(kinds(&shown), ["device_added"]);
        assert_eq!(shown[0]["device"]["transport"], "unknown");
    }

    #[test]
    fn a_device_that_leaves_and_comes_back_at_its_index_is_shown_afresh() {
        let shared = model();
        let mut model = shared.lock();
        model.observe(connected(0));
        assert_eq!(kinds(&model.list(rabbit(20))), ["device_added"]);
        model.observe(Observation::Output {
            device: 0,
            feature: 0,
            output: v4::OutputType::Vibrate,
            value: 12,
        });
        // The same device again, listed before its leaving is observed.
        assert!(model.list(rabbit(20)).is_empty());
        let left = model.observe(Observation::DeviceDisconnected { index: 0 });
        assert_eq!(kinds(&left), ["device_removed"]);
        assert!(model.list(rabbit(20)).is_empty());
        let back = model.observe(connected(0));
        assert_eq!(kinds(&back), ["device_added"]);
        assert_eq!(model.output(0, 0, v4::OutputType::Vibrate).unwrap().level, 0);
        // A leaving observed once the list no longer shows it changes nothing more.
        assert_eq!(kinds(&model.list(v4::Devices::default())), ["device_removed"]);
        assert!(model.observe(Observation::DeviceDisconnected { index: 0 }).is_empty());
    }
}
