//! Home Assistant MQTT discovery (`--mqtt-homeassistant`, docs/MQTT.md): each output feature a
//! `number`, each battery a `sensor`, one `button` that stops every device. Home Assistant's
//! commands are one more session, which ends (stopping what it owns) when Home Assistant says it
//! went offline or the broker is lost.

use std::collections::BTreeMap;
use std::sync::Arc;

use bpio::client::{Client, Level};
use bpio::in_process::InProcessConnector;
use bpio::protocol::v4::{self, InputType, OutputType};
use bpio::server::SessionConfig;
use bpio::server::runtime::{DeviceHub, Observation, Observed};
use rumqttc::{AsyncClient, QoS};
use serde_json::{Value, json};
use tracing::{debug, warn};

use super::Topics;

/// The name Home Assistant's session gives the server.
const CLIENT_NAME: &str = "Home Assistant";

/// Where Home Assistant says it is online or offline.
const HA_STATUS: &str = "homeassistant/status";

/// The discovery prefix Home Assistant listens on by default.
const DISCOVERY: &str = "homeassistant";

pub(super) struct HomeAssistant {
    topics: Topics,
    hub: DeviceHub,
    /// Home Assistant's session, while Home Assistant is there.
    session: Option<Arc<Client>>,
    /// The config topics published for each device, to remove them when it goes.
    entities: BTreeMap<u32, Vec<String>>,
    /// `bpio_NAME`, the prefix of every object id.
    node: String,
    /// Whether the session reads batteries and signal strengths itself.
    reads: bool,
}

impl HomeAssistant {
    /// `reads`: whether Home Assistant's session reads batteries and signal strengths itself,
    /// or leaves it to another session (the web panel's) whose readings reach every watcher.
    pub(super) fn new(topics: Topics, hub: DeviceHub, reads: bool) -> Self {
        let node = format!("bpio_{}", topics.base().rsplit('/').next().unwrap_or("bpio"));
        Self { topics, hub, session: None, entities: BTreeMap::new(), node, reads }
    }

    /// Connected to the broker: listen for Home Assistant, and tell it every entity.
    pub(super) async fn connected(
        &mut self,
        mqtt: &AsyncClient,
        devices: &BTreeMap<u32, v4::Device>,
    ) {
        for topic in [
            HA_STATUS.to_owned(),
            format!("{}/ha/+/+/+/set", self.topics.base()),
            format!("{}/ha/stop", self.topics.base()),
        ] {
            let _ = mqtt.subscribe(topic, QoS::AtLeastOnce).await;
        }
        self.start_session().await;
        self.entities.clear();
        self.announce_engine(mqtt).await;
        self.devices(mqtt, devices).await;
    }

    /// The broker is gone: Home Assistant's session ends.
    pub(super) fn lost(&mut self) {
        self.end_session_soon();
    }

    /// The engine stops.
    pub(super) async fn end(&mut self) {
        if let Some(session) = self.session.take() {
            session.disconnect().await;
        }
    }

    async fn start_session(&mut self) {
        if self.session.is_some() {
            return;
        }
        let connector = InProcessConnector::new(self.hub.clone(), SessionConfig::new("bpio"));
        match Client::connect(CLIENT_NAME, connector).await {
            Ok(client) => {
                let client = Arc::new(client);
                if self.reads {
                    tokio::spawn(crate::readings::read_batteries(Arc::clone(&client)));
                }
                self.session = Some(client);
            }
            Err(err) => warn!(cause = %err, "cannot start Home Assistant's session"),
        }
    }

    fn end_session_soon(&mut self) {
        if let Some(session) = self.session.take() {
            tokio::spawn(async move { session.disconnect().await });
        }
    }

    /// The device list changed: entities for new devices, none for those gone.
    pub(super) async fn devices(
        &mut self,
        mqtt: &AsyncClient,
        devices: &BTreeMap<u32, v4::Device>,
    ) {
        let gone: Vec<u32> =
            self.entities.keys().copied().filter(|index| !devices.contains_key(index)).collect();
        for index in gone {
            for topic in self.entities.remove(&index).unwrap_or_default() {
                // An empty retained config removes the entity.
                let _ = mqtt.publish(topic, QoS::AtLeastOnce, true, Vec::new()).await;
            }
        }
        for (index, device) in devices {
            if self.entities.contains_key(index) {
                continue;
            }
            let mut topics = Vec::new();
            for (topic, config) in self.device_entities(device) {
                let _ = mqtt.publish(&topic, QoS::AtLeastOnce, true, config.to_string()).await;
                topics.push(topic);
            }
            self.entities.insert(*index, topics);
        }
    }

    /// The config topic and payload of every entity of `device`.
    fn device_entities(&self, device: &v4::Device) -> Vec<(String, Value)> {
        let index = device.device_index;
        let name = device.device_display_name.as_deref().unwrap_or(&device.device_name);
        let device_info = json!({
            "identifiers": [format!("{}_device_{index}", self.node)],
            "name": name,
            "model": device.device_name,
            "via_device": self.node,
        });
        let mut entities = Vec::new();
        // Several outputs of one type on a device are told apart by their feature index.
        let mut counts: BTreeMap<OutputType, usize> = BTreeMap::new();
        for feature in device.device_features.values() {
            for output in feature.output.iter().flat_map(|outputs| outputs.types()) {
                *counts.entry(output).or_default() += 1;
            }
        }
        for feature in device.device_features.values() {
            let f = feature.feature_index;
            if let Some(outputs) = &feature.output {
                for output in outputs.types() {
                    let Some(ranges) = outputs.ranges(output) else { continue };
                    let object = format!(
                        "device_{index}_feature_{f}_{}",
                        output.as_str().to_ascii_lowercase()
                    );
                    let label = if counts.get(&output).copied().unwrap_or(0) > 1 {
                        format!("{} {f}", output.as_str())
                    } else {
                        output.as_str().to_owned()
                    };
                    let mut config = self.entity(&object, &label, &device_info);
                    config["command_topic"] =
                        json!(self.state_topic(index, f, output.as_str(), "set"));
                    config["state_topic"] =
                        json!(self.state_topic(index, f, output.as_str(), "state"));
                    config["min"] = json!(ranges.value.min());
                    config["max"] = json!(ranges.value.max());
                    config["step"] = json!(1);
                    config["mode"] = json!("slider");
                    entities.push((
                        format!("{DISCOVERY}/number/{}/{object}/config", self.node),
                        config,
                    ));
                }
            }
            let battery = feature
                .input
                .as_ref()
                .is_some_and(|inputs| inputs.get(InputType::Battery).is_some());
            if battery {
                let object = format!("device_{index}_feature_{f}_battery");
                let mut config = self.entity(&object, "Battery", &device_info);
                config["state_topic"] = json!(self.state_topic(index, f, "Battery", "state"));
                config["device_class"] = json!("battery");
                config["unit_of_measurement"] = json!("%");
                config["state_class"] = json!("measurement");
                entities
                    .push((format!("{DISCOVERY}/sensor/{}/{object}/config", self.node), config));
            }
        }
        entities
    }

    /// What every entity's config says: its name, ids, device and availability.
    fn entity(&self, object: &str, name: &str, device: &Value) -> Value {
        json!({
            "name": name,
            "unique_id": format!("{}_{object}", self.node),
            "device": device,
            "availability_topic": self.topics.status(),
            "payload_available": "online",
            "payload_not_available": "offline",
        })
    }

    /// The engine itself, with the stop-all button.
    async fn announce_engine(&self, mqtt: &AsyncClient) {
        let engine = json!({
            "identifiers": [self.node],
            "name": format!("bpio engine {}", self.topics.base().rsplit('/').next().unwrap_or("")),
            "manufacturer": "bpio",
        });
        let mut button = self.entity("stop_all", "Stop all devices", &engine);
        button["command_topic"] = json!(format!("{}/ha/stop", self.topics.base()));
        button["payload_press"] = json!("PRESS");
        let topic = format!("{DISCOVERY}/button/{}/stop_all/config", self.node);
        let _ = mqtt.publish(topic, QoS::AtLeastOnce, true, button.to_string()).await;
    }

    fn state_topic(&self, device: u32, feature: u32, what: &str, leaf: &str) -> String {
        format!("{}/ha/{device}/{feature}/{what}/{leaf}", self.topics.base())
    }

    /// A level or a battery reading changed: its entity's state.
    pub(super) async fn observed(&mut self, mqtt: &AsyncClient, observed: Observed) {
        let Observed::Event(observation) = observed else { return };
        let (topic, value) = match observation {
            Observation::Output { device, feature, output, value } => {
                (self.state_topic(device, feature, output.as_str(), "state"), value)
            }
            Observation::Input { device, feature, reading }
                if reading.input_type() == InputType::Battery =>
            {
                (self.state_topic(device, feature, "Battery", "state"), reading.value())
            }
            _ => return,
        };
        let _ = mqtt.publish(topic, QoS::AtLeastOnce, true, value.to_string()).await;
    }

    /// A message on one of Home Assistant's topics.
    pub(super) async fn publish(&mut self, mqtt: &AsyncClient, topic: &str, payload: &[u8]) {
        let text = String::from_utf8_lossy(payload);
        if topic == HA_STATUS {
            match text.trim() {
                // Home Assistant went away: what it runs stops.
                "offline" => self.end_session_soon(),
                // It (re)started and forgot the entities.
                "online" => {
                    self.start_session().await;
                    self.entities.clear();
                    self.announce_engine(mqtt).await;
                    let devices = self.hub.device_list().borrow().clone();
                    self.devices(mqtt, &devices).await;
                }
                _ => {}
            }
            return;
        }
        let Some(session) = &self.session else { return };
        let Some(rest) =
            topic.strip_prefix(self.topics.base()).and_then(|t| t.strip_prefix("/ha/"))
        else {
            return;
        };
        if rest == "stop" {
            if let Err(err) = session.stop().await {
                warn!(cause = %err, "Home Assistant's stop-all failed");
            }
            return;
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let [device, feature, output, "set"] = parts[..] else { return };
        let (Ok(device), Ok(feature)) = (device.parse::<u32>(), feature.parse::<u32>()) else {
            return;
        };
        let Ok(output) = serde_json::from_value::<OutputType>(Value::String(output.to_owned()))
        else {
            return;
        };
        let Ok(level) = text.trim().parse::<f64>() else {
            debug!(%topic, "Home Assistant sent a level that is not a number");
            return;
        };
        // Home Assistant's numbers are floats; the steps are whole.
        #[allow(clippy::cast_possible_truncation)]
        let steps = level.round() as i64;
        let Some(feature) = session.device(device).and_then(|d| d.feature(feature)) else { return };
        let done = match output {
            OutputType::HwPositionWithDuration => {
                feature
                    .position_with_duration(
                        Level::Steps(steps),
                        std::time::Duration::from_millis(500),
                    )
                    .await
            }
            output => feature.output(output, Level::Steps(steps)).await,
        };
        if let Err(err) = done {
            warn!(cause = %err, "Home Assistant's command failed");
        }
    }
}
