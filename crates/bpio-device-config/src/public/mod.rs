//! The public device-config formats, major versions 4 and 5 (docs/DEVICE_CONFIG.md 1–6).
//!
//! Files are deserialized into private `Raw*` mirrors of the format; a type error is located by
//! reading the file again through `serde_path_to_error`, so it names its field path. The
//! mirrors are then converted into the model, which is where value rules (ranges, limits) are
//! checked.

pub(crate) mod base;
pub(crate) mod user;

use std::collections::BTreeMap;
use std::fmt;

use bpio_protocol::v4;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::communication::{
    BtleSpecifier, SerialSpecifier, SimulatedSpecifier, Specifier, UsbIds, WebsocketSpecifier,
};
use crate::definition::{Definition, Inherited};
use crate::error::{Error, FileKind, Location, Problem};
use crate::feature::{ConfigKey, Feature, Input, Output, RESERVED_INPUT_KEYS};
use crate::range::ConfigRange;
use bpio_hardware::Uuid;

/// The `version` of a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Format major version: 4 or 5.
    pub major: u64,
    /// Data revision; informational.
    pub minor: u64,
}

/// Reads only `version`, before anything else, so an unsupported major is reported as such and
/// not as a pile of schema errors.
pub(crate) fn read_version(text: &str, file: &FileKind) -> Result<Version, Error> {
    #[derive(Deserialize)]
    struct Head {
        version: Option<HeadVersion>,
    }
    #[derive(Deserialize)]
    struct HeadVersion {
        major: Option<u64>,
        #[serde(default)]
        minor: u64,
    }
    let head: Head = deserialize(text, file)?;
    let missing = |field: &str| Error::Invalid {
        location: Location {
            file: file.clone(),
            protocol: None,
            device: None,
            field: field.to_owned(),
        }
        .into(),
        problem: Problem::Missing,
    };
    let version = head.version.ok_or_else(|| missing("version"))?;
    let major = version.major.ok_or_else(|| missing("version.major"))?;
    if !matches!(major, 4 | 5) {
        return Err(Error::UnsupportedVersion { file: file.clone(), major });
    }
    Ok(Version { major, minor: version.minor })
}

/// Deserializes a whole file, turning a data error into [`Error::Malformed`] at its path.
///
/// The file is read once without tracking paths; only a data error reads it again through
/// `serde_path_to_error` to name where it is. Tracking every value costs code that ran at each
/// start and stayed resident (docs/PERFORMANCE.md, "Where the memory goes").
pub(crate) fn deserialize<'de, T: Deserialize<'de>>(
    text: &'de str,
    file: &FileKind,
) -> Result<T, Error> {
    let mut json = serde_json::Deserializer::from_str(text);
    match T::deserialize(&mut json) {
        Ok(value) => {
            json.end().map_err(|source| Error::Json { file: file.clone(), source })?;
            Ok(value)
        }
        Err(source) if source.is_data() => Err(malformed::<T>(text, file, source)),
        Err(source) => Err(Error::Json { file: file.clone(), source }),
    }
}

/// The data error of a file that failed to deserialize, at the path where it failed.
#[cold]
fn malformed<'de, T: Deserialize<'de>>(
    text: &'de str,
    file: &FileKind,
    untracked: serde_json::Error,
) -> Error {
    let mut json = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut json) {
        Err(error) => {
            let location = location_of(text, file, error.path());
            Error::Malformed { location: location.into(), source: error.into_inner() }
        }
        // Not reached: the same text fails the same way when read again. Should it not, the
        // first error still stands, without a path.
        Ok(_) => Error::Json { file: file.clone(), source: untracked },
    }
}

/// Splits a deserializer path into protocol, device and field, looking up the device's name.
fn location_of(text: &str, file: &FileKind, path: &serde_path_to_error::Path) -> Location {
    use serde_path_to_error::Segment;
    let segments: Vec<String> = path
        .iter()
        .map(|segment| match segment {
            Segment::Seq { index } => format!("[{index}]"),
            Segment::Map { key } | Segment::Enum { variant: key } => key.clone(),
            Segment::Unknown => "?".to_owned(),
        })
        .collect();
    let strs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (protocol, device, rest): (Option<&str>, Option<String>, &[&str]) = match strs.as_slice() {
        ["protocols", protocol, "defaults", rest @ ..] => {
            (Some(protocol), definition_name(text, &["protocols", protocol, "defaults"]), rest)
        }
        ["protocols", protocol, "configurations", index, rest @ ..] => (
            Some(protocol),
            definition_name(text, &["protocols", protocol, "configurations", index]),
            rest,
        ),
        ["user_configs", "protocols", protocol, "configurations", index, rest @ ..] => (
            Some(protocol),
            definition_name(
                text,
                &["user_configs", "protocols", protocol, "configurations", index],
            ),
            rest,
        ),
        ["protocols", protocol, rest @ ..] | ["user_configs", "protocols", protocol, rest @ ..] => {
            (Some(protocol), None, rest)
        }
        ["user_configs", "devices", index, rest @ ..] => {
            (None, Some(format!("devices{index}")), rest)
        }
        rest => (None, None, rest),
    };
    Location {
        file: file.clone(),
        protocol: protocol.map(str::to_owned),
        device,
        field: join_path(rest.iter().copied()),
    }
}

/// `a.b[2].c` from segments where sequence indexes are already bracketed.
pub(crate) fn join_path<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    let mut field = String::new();
    for segment in segments {
        if !field.is_empty() && !segment.starts_with('[') {
            field.push('.');
        }
        field.push_str(segment);
    }
    field
}

/// The `name` of the definition at `path`, read leniently (only on the error path).
fn definition_name(text: &str, path: &[&str]) -> Option<String> {
    let mut value = &serde_json::from_str::<serde_json::Value>(text).ok()?;
    for step in path {
        value = match step.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')) {
            Some(index) => value.get(index.parse::<usize>().ok()?)?,
            None => value.get(step)?,
        };
    }
    value.get("name")?.as_str().map(str::to_owned)
}

/// One element of a `communication` array: a known specifier, or an unknown key to skip.
pub(crate) enum RawSpecifier {
    Known(Specifier),
    Unknown(String),
}

impl<'de> Deserialize<'de> for RawSpecifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SpecifierVisitor)
    }
}

struct SpecifierVisitor;

/// The body of `xinput`, `sdl-gamepad` and `lovense_connect_service`: `exists` must be present.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Exists {
    #[allow(dead_code)]
    exists: bool,
}

impl<'de> Visitor<'de> for SpecifierVisitor {
    type Value = RawSpecifier;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with exactly one transport key")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let mut keys = 0_usize;
        while let Some(key) = map.next_key::<String>()? {
            keys += 1;
            let specifier = match key.as_str() {
                "btle" => RawSpecifier::Known(Specifier::Btle(map.next_value::<BtleSpecifier>()?)),
                "serial" => {
                    RawSpecifier::Known(Specifier::Serial(map.next_value::<SerialSpecifier>()?))
                }
                "hid" => RawSpecifier::Known(Specifier::Hid(map.next_value::<UsbIds>()?)),
                "usb" => RawSpecifier::Known(Specifier::Usb(map.next_value::<UsbIds>()?)),
                "websocket" => RawSpecifier::Known(Specifier::Websocket(
                    map.next_value::<WebsocketSpecifier>()?,
                )),
                "simulated" => RawSpecifier::Known(Specifier::Simulated(
                    map.next_value::<SimulatedSpecifier>()?,
                )),
                "xinput" => {
                    map.next_value::<Exists>().map(|_| RawSpecifier::Known(Specifier::Xinput))?
                }
                "sdl-gamepad" => map
                    .next_value::<Exists>()
                    .map(|_| RawSpecifier::Known(Specifier::SdlGamepad))?,
                "lovense_connect_service" => map
                    .next_value::<Exists>()
                    .map(|_| RawSpecifier::Known(Specifier::LovenseConnectService))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    RawSpecifier::Unknown(key)
                }
            };
            found = Some(specifier);
        }
        match found {
            Some(specifier) if keys == 1 => Ok(specifier),
            _ => Err(de::Error::custom(format_args!(
                "a communication specifier must have exactly one key, found {keys}"
            ))),
        }
    }
}

/// A device definition as written in a public file.
#[derive(Deserialize)]
pub(crate) struct RawDefinition {
    #[serde(default)]
    identifier: Option<Vec<String>>,
    name: String,
    id: Uuid,
    #[serde(default)]
    protocol_variant: Option<String>,
    #[serde(default)]
    message_gap_ms: Option<u32>,
    #[serde(default)]
    features: Option<Vec<RawFeature>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeature {
    index: u32,
    id: Uuid,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    output: Option<BTreeMap<String, RawOutput>>,
    #[serde(default)]
    input: Option<BTreeMap<String, RawInput>>,
    #[serde(default)]
    feature_settings: Option<RawFeatureSettings>,
}

/// Extra keys (e.g. `description` in ossm) are allowed and ignored (docs/DEVICE_CONFIG.md 5.3).
#[derive(Deserialize)]
struct RawOutput {
    #[serde(default)]
    value: Option<[i64; 2]>,
    #[serde(default)]
    duration: Option<[i64; 2]>,
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    reverse_position: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    value: Vec<[i64; 2]>,
    command: Vec<v4::InputCommandType>,
}

#[derive(Deserialize)]
struct RawFeatureSettings {
    #[serde(default)]
    alt_protocol_index: Option<i64>,
}

/// Why a definition could not be converted.
pub(crate) enum DefinitionError {
    /// The whole file is invalid (what the schema or the reference's reader rejects).
    Fatal(Error),
    /// Only this definition is invalid (a reversed range: docs/DEVICE_CONFIG.md 1, rule 6).
    Skip(Error),
}

/// Where a definition sits, for error locations.
pub(crate) struct DefinitionPlace<'a> {
    pub(crate) file: &'a FileKind,
    pub(crate) protocol: &'a str,
}

impl RawDefinition {
    /// Converts to the model; `missing` says which absent fields the caller will inherit.
    pub(crate) fn convert(
        self,
        place: &DefinitionPlace<'_>,
    ) -> Result<(Definition, Inherited), DefinitionError> {
        let missing = Inherited {
            features: self.features.is_none(),
            protocol_variant: self.protocol_variant.is_none(),
            message_gap_ms: self.message_gap_ms.is_none(),
        };
        let location = |field: String| Location {
            file: place.file.clone(),
            protocol: Some(place.protocol.to_owned()),
            device: Some(self.name.clone()),
            field,
        };
        let mut features = Vec::new();
        for (position, raw) in self.features.unwrap_or_default().into_iter().enumerate() {
            features.push(raw.convert(position, &location)?);
        }
        let definition = Definition {
            id: self.id,
            name: self.name.clone(),
            identifiers: self.identifier.unwrap_or_default(),
            protocol_variant: self.protocol_variant,
            message_gap_ms: self.message_gap_ms,
            features: features.into(),
            inherited: Inherited::default(),
        };
        Ok((definition, missing))
    }
}

impl RawFeature {
    fn convert(
        self,
        position: usize,
        location: &impl Fn(String) -> Location,
    ) -> Result<Feature, DefinitionError> {
        let range = |pair: [i64; 2], field: &dyn Fn() -> String| {
            ConfigRange::from_pair(pair).map_err(|problem| {
                DefinitionError::Skip(Error::Invalid {
                    location: location(field()).into(),
                    problem: problem.into(),
                })
            })
        };
        let mut outputs = BTreeMap::new();
        // Keys are read as strings so that error paths can name them (serde_path_to_error
        // cannot record enum map keys).
        for (key, raw) in self.output.unwrap_or_default() {
            let kind = v4::OutputType::from_config_key(&key).ok_or_else(|| {
                DefinitionError::Fatal(Error::Invalid {
                    location: location(format!("features[{position}].output.{key}")).into(),
                    problem: Problem::UnknownOutputType(key.clone()),
                })
            })?;
            let field =
                |key: &str| format!("features[{position}].output.{}.{key}", kind.config_key());
            let missing = |key: &str| {
                DefinitionError::Fatal(Error::Invalid {
                    location: location(field(key)).into(),
                    problem: Problem::Missing,
                })
            };
            let value = range(raw.value.ok_or_else(|| missing("value"))?, &|| field("value"))?;
            let duration = match (kind, raw.duration) {
                (v4::OutputType::HwPositionWithDuration, None) => return Err(missing("duration")),
                (_, Some(duration)) => Some(range(duration, &|| field("duration"))?),
                (_, None) => None,
            };
            let mut output = Output::new(value);
            output.duration = duration;
            output.disabled = raw.disabled.unwrap_or(false);
            output.reverse = raw.reverse_position.unwrap_or(false);
            outputs.insert(kind, output);
        }
        let mut inputs = BTreeMap::new();
        for (key, raw) in self.input.unwrap_or_default() {
            let kind = v4::InputType::from_config_key(&key);
            if kind.is_none() && !RESERVED_INPUT_KEYS.contains(&key.as_str()) {
                return Err(DefinitionError::Fatal(Error::Invalid {
                    location: location(format!("features[{position}].input.{key}")).into(),
                    problem: Problem::UnknownInputType(key.clone()),
                }));
            }
            let mut values = Vec::with_capacity(raw.value.len());
            for (slot, pair) in raw.value.into_iter().enumerate() {
                values.push(range(pair, &|| {
                    format!("features[{position}].input.{key}.value[{slot}]")
                })?);
            }
            // A reserved input is checked like any other, then left out.
            if let Some(kind) = kind {
                inputs.insert(kind, Input { values, commands: raw.command });
            }
        }
        Ok(Feature {
            index: self.index,
            id: self.id,
            description: self.description.unwrap_or_default(),
            outputs: outputs.into(),
            inputs: inputs.into(),
            alt_protocol_index: self
                .feature_settings
                .and_then(|settings| settings.alt_protocol_index),
        })
    }
}
