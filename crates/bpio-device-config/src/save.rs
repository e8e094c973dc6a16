//! Saving the user configuration without losing what the user wrote (docs/DEVICE_CONFIG.md 6.9).
//!
//! The file is the user's. We edit the JSON tree that was read, touching only the keys we own
//! (one device record's known fields, the version), so unknown keys and hand edits survive. Keys
//! come back in sorted order, since the tree does not keep the original order.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::error::{Error, FileKind, Location, Problem};
use crate::feature::OutputKind;
use crate::range::ConfigRange;
use crate::user::{DeviceRecord, SimulatedDevice, UserConfig};

/// An editable user configuration document.
#[derive(Debug, Clone, PartialEq)]
pub struct UserConfigDocument {
    root: Map<String, Value>,
}

impl Default for UserConfigDocument {
    fn default() -> Self {
        Self::new()
    }
}

impl UserConfigDocument {
    /// A new, empty document (format 5, docs/DEVICE_CONFIG.md 6.9).
    pub fn new() -> Self {
        let mut root = Map::new();
        root.insert("version".into(), json!({"major": 5, "minor": 0}));
        Self { root }
    }

    /// A document read from a user file; the file must be a valid user config.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        UserConfig::from_json(text)?;
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(root)) => Ok(Self { root }),
            // serde also reads a struct from an array; a document must be an object.
            Ok(_) => Err(Error::Invalid {
                location: Location {
                    file: FileKind::User,
                    protocol: None,
                    device: None,
                    field: String::new(),
                }
                .into(),
                problem: Problem::NotAnObject,
            }),
            Err(source) => Err(Error::Json { file: FileKind::User, source }),
        }
    }

    /// Writes `record` into `user_configs.devices`: replaces the fields we own in the record for
    /// the same device, or appends a new record. Other keys of that record are kept.
    pub fn upsert_record(&mut self, record: &DeviceRecord) {
        let devices = array_at(object_at(&mut self.root, "user_configs"), "devices");
        let same_device = |value: &Value| {
            let identifier = value.get("identifier");
            let text = |key| identifier.and_then(|id| id.get(key)).and_then(Value::as_str);
            text("address") == Some(record.key.address.as_str())
                && text("protocol") == Some(record.key.protocol.as_str())
                && text("identifier") == record.key.identifier.as_deref()
        };
        let at = match devices.iter().position(same_device) {
            Some(at) => at,
            None => {
                devices.push(Value::Object(Map::new()));
                devices.len().saturating_sub(1)
            }
        };
        if let Some(Value::Object(element)) = devices.get_mut(at) {
            write_record(element, record);
        } else if let Some(slot) = devices.get_mut(at) {
            let mut element = Map::new();
            write_record(&mut element, record);
            *slot = Value::Object(element);
        }
    }

    /// Replaces `user_configs.simulated_devices` (format 5 only; saving upgrades the file).
    pub fn set_simulated_devices(&mut self, devices: &[SimulatedDevice]) {
        let list: Vec<Value> = devices
            .iter()
            .map(|device| {
                let mut entry = Map::new();
                entry.insert("identifier".into(), device.identifier.clone().into());
                entry.insert("address".into(), device.address.clone().into());
                if let Some(name) = &device.display_name {
                    entry.insert("display_name".into(), name.clone().into());
                }
                Value::Object(entry)
            })
            .collect();
        let configs = object_at(&mut self.root, "user_configs");
        if list.is_empty() {
            configs.remove("simulated_devices");
        } else {
            configs.insert("simulated_devices".into(), Value::Array(list));
        }
    }

    /// The document as text. A format-4 document that now needs something only format 5 defines
    /// (simulated devices, `sdl-gamepad` or `simulated` specifiers) is written as major 5.
    pub fn to_json(&self) -> String {
        let mut root = self.root.clone();
        let major = root.get("version").and_then(|v| v.get("major")).and_then(Value::as_u64);
        if major != Some(5) && needs_format5(&root) {
            tracing::info!(from = ?major, "user config upgraded to format 5 on save");
            let version = object_at(&mut root, "version");
            version.insert("major".into(), 5.into());
        }
        let mut text = serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn needs_format5(root: &Map<String, Value>) -> bool {
    let configs = root.get("user_configs");
    let simulated = configs
        .and_then(|c| c.get("simulated_devices"))
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty());
    let format5_specifier = configs
        .and_then(|c| c.get("protocols"))
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|protocols| protocols.values())
        .filter_map(|protocol| protocol.get("communication").and_then(Value::as_array))
        .flatten()
        .any(|specifier| {
            specifier.get("sdl-gamepad").is_some() || specifier.get("simulated").is_some()
        });
    simulated || format5_specifier
}

/// The object under `key`, created (or replacing a non-object) when needed.
fn object_at<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(inner) => inner,
        // Just made an object above.
        _ => unreachable_object(),
    }
}

fn array_at<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Vec<Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    match slot {
        Value::Array(inner) => inner,
        _ => unreachable_array(),
    }
}

#[allow(clippy::panic)]
#[cold]
fn unreachable_object() -> ! {
    panic!("invariant: the slot was just set to an object")
}

#[allow(clippy::panic)]
#[cold]
fn unreachable_array() -> ! {
    panic!("invariant: the slot was just set to an array")
}

fn set_or_remove(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(value) => {
            map.insert(key.into(), value);
        }
        None => {
            map.remove(key);
        }
    }
}

/// Writes the owned fields of one record into its JSON object, keeping every other key.
fn write_record(element: &mut Map<String, Value>, record: &DeviceRecord) {
    let identifier = object_at(element, "identifier");
    identifier.insert("address".into(), record.key.address.clone().into());
    identifier.insert("protocol".into(), record.key.protocol.clone().into());
    set_or_remove(identifier, "identifier", record.key.identifier.clone().map(Value::from));
    let config = object_at(element, "config");
    config.insert("id".into(), record.id.to_string().into());
    config.insert("base_id".into(), record.base_id.to_string().into());
    let old_features = match config.remove("features") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let features = record
        .features
        .iter()
        .map(|feature| {
            let id = feature.id.to_string();
            let mut object = old_features
                .iter()
                .find(|old| old.get("id").and_then(Value::as_str) == Some(id.as_str()))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            object.insert("id".into(), id.into());
            object.insert("base_id".into(), feature.base_id.to_string().into());
            // Start from the old output object so keys we do not own (e.g. `reverse_position`)
            // survive; known types without an override are removed.
            let mut outputs = match object.remove("output") {
                Some(Value::Object(old)) => old,
                _ => Map::new(),
            };
            outputs.retain(|key, _| {
                OutputKind::from_key(key).is_none_or(|kind| feature.outputs.contains_key(&kind))
            });
            for (kind, output) in &feature.outputs {
                let entry = object_at(&mut outputs, kind.as_str());
                let range = |limit: Option<ConfigRange>| {
                    limit.map(|limit| json!([limit.min(), limit.max()]))
                };
                set_or_remove(entry, "value", range(output.limit));
                set_or_remove(entry, "duration", range(output.duration_limit));
                entry.insert("disabled".into(), output.disabled.into());
                if kind.is_position() {
                    entry.insert("reverse".into(), output.reverse.into());
                }
            }
            set_or_remove(
                &mut object,
                "output",
                (!outputs.is_empty()).then_some(Value::Object(outputs)),
            );
            Value::Object(object)
        })
        .collect();
    config.insert("features".into(), Value::Array(features));
    let settings = object_at(config, "user_config");
    settings.insert("allow".into(), record.settings.allow.into());
    settings.insert("deny".into(), record.settings.deny.into());
    settings.insert("index".into(), record.settings.index.into());
    set_or_remove(settings, "display_name", record.settings.display_name.clone().map(Value::from));
    set_or_remove(settings, "message_gap_ms", record.settings.message_gap_ms.map(Value::from));
}

/// Reads a config file (the one I/O function on the reading side).
pub fn read_file(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over the target, so a crash leaves either the old or the new file.
pub fn write_atomic(path: &Path, contents: &str) -> Result<(), Error> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    let file_name =
        path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temp: PathBuf = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp).map_err(io_error(&temp))?;
        file.write_all(contents.as_bytes()).map_err(io_error(&temp))?;
        file.sync_all().map_err(io_error(&temp))?;
        std::fs::rename(&temp, path).map_err(io_error(path))
    })();
    if result.is_err() {
        // Best effort: do not leave the temporary file behind.
        let _ = std::fs::remove_file(&temp);
    }
    result
}
