//! Reading a user configuration file in a public format.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{
    DefinitionError, DefinitionPlace, RawDefinition, RawSpecifier, deserialize, read_version,
};
use crate::communication::Specifier;
use crate::error::{Error, FileKind, Location, Problem, Warning};
use crate::feature::OutputKind;
use crate::range::ConfigRange;
use crate::user::{
    DeviceKey, DeviceRecord, FeatureOverride, OutputOverride, SimulatedDevice, UserConfig,
    UserProtocol, UserSettings,
};
use bpio_hardware::Uuid;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUserFile {
    #[allow(dead_code)]
    version: IgnoredAny,
    /// Base data in a user file is not user data; the schema allows the key, we ignore it.
    #[serde(default)]
    #[allow(dead_code)]
    protocols: Option<IgnoredAny>,
    #[serde(default)]
    user_configs: Option<RawUserConfigs>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUserConfigs {
    #[serde(default)]
    protocols: BTreeMap<String, RawUserProtocol>,
    #[serde(default)]
    devices: Vec<RawRecord>,
    #[serde(default)]
    simulated_devices: Option<Vec<RawSimulated>>,
}

/// `defaults` and the schema's unused `devices` key are allowed and ignored (docs/DEVICE_CONFIG.md
/// 6.1).
#[derive(Deserialize)]
struct RawUserProtocol {
    #[serde(default)]
    communication: Vec<RawSpecifier>,
    #[serde(default)]
    configurations: Vec<RawDefinition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    identifier: RawKey,
    config: RawRecordConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    address: String,
    protocol: String,
    #[serde(default)]
    identifier: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecordConfig {
    /// Allowed and ignored: the name comes from the base definition.
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<IgnoredAny>,
    id: Uuid,
    base_id: Uuid,
    features: Vec<RawUserFeature>,
    user_config: RawSettings,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUserFeature {
    id: Uuid,
    base_id: Uuid,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<IgnoredAny>,
    #[serde(default)]
    output: BTreeMap<String, RawUserOutput>,
}

/// `reverse_position` here is a different, unknown key and is ignored (docs/DEVICE_CONFIG.md 6.3).
#[derive(Deserialize)]
struct RawUserOutput {
    #[serde(default)]
    value: Option<[i64; 2]>,
    #[serde(default)]
    duration: Option<[i64; 2]>,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    reverse: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    allow: bool,
    deny: bool,
    index: u32,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    message_gap_ms: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSimulated {
    identifier: String,
    address: String,
    #[serde(default)]
    display_name: Option<String>,
}

/// Parses a user file of major 4 or 5.
pub(crate) fn parse_user(text: &str) -> Result<UserConfig, Error> {
    let file = FileKind::User;
    let version = read_version(text, &file)?;
    let raw: RawUserFile = deserialize(text, &file)?;
    let Some(configs) = raw.user_configs else {
        return Ok(UserConfig { version: Some(version), ..UserConfig::default() });
    };
    if version.major == 4 && configs.simulated_devices.is_some() {
        return Err(Error::Invalid {
            location: Location {
                file,
                protocol: None,
                device: None,
                field: "user_configs.simulated_devices".into(),
            }
            .into(),
            problem: Problem::NeedsFormat5,
        });
    }
    let mut warnings = Vec::new();
    let mut protocols = BTreeMap::new();
    for (name, raw_protocol) in configs.protocols {
        let communication = known_specifiers(&name, raw_protocol.communication, &mut warnings);
        let place = DefinitionPlace { file: &file, protocol: &name };
        let mut configurations = Vec::new();
        for raw_definition in raw_protocol.configurations {
            match raw_definition.convert(&place) {
                Ok((definition, _)) => configurations.push(definition),
                Err(DefinitionError::Fatal(error)) => return Err(error),
                Err(DefinitionError::Skip(error)) => {
                    let warning = Warning::SkippedDefinition(Box::new(error));
                    warning.log();
                    warnings.push(warning);
                }
            }
        }
        protocols.insert(name, UserProtocol { communication, configurations });
    }
    let mut devices = Vec::with_capacity(configs.devices.len());
    for (position, raw_record) in configs.devices.into_iter().enumerate() {
        match convert_record(position, raw_record) {
            Ok(record) => devices.push(record),
            Err(error) => {
                let warning = Warning::DroppedRecord(Box::new(error));
                warning.log();
                warnings.push(warning);
            }
        }
    }
    let simulated_devices = configs
        .simulated_devices
        .unwrap_or_default()
        .into_iter()
        .map(|raw| SimulatedDevice {
            identifier: raw.identifier,
            address: raw.address,
            display_name: raw.display_name,
        })
        .collect();
    Ok(UserConfig { version: Some(version), protocols, devices, simulated_devices, warnings })
}

/// Keeps the known specifiers and warns about the unknown ones (docs/DEVICE_CONFIG.md 1, rule 5).
pub(crate) fn known_specifiers(
    protocol: &str,
    raw: Vec<RawSpecifier>,
    warnings: &mut Vec<Warning>,
) -> Vec<Specifier> {
    raw.into_iter()
        .filter_map(|specifier| match specifier {
            RawSpecifier::Known(specifier) => Some(specifier),
            RawSpecifier::Unknown(key) => {
                let warning = Warning::UnknownSpecifier { protocol: protocol.to_owned(), key };
                warning.log();
                warnings.push(warning);
                None
            }
        })
        .collect()
}

/// A record whose limits are reversed or negative cannot be used; it is dropped, not fatal.
fn convert_record(position: usize, raw: RawRecord) -> Result<DeviceRecord, Error> {
    let location = |field: String| Location {
        file: FileKind::User,
        protocol: Some(raw.identifier.protocol.clone()),
        device: Some(format!("devices[{position}]")),
        field,
    };
    let limit = |pair: Option<[i64; 2]>,
                 field: &dyn Fn() -> String|
     -> Result<Option<ConfigRange>, Error> {
        pair.map(|pair| {
            ConfigRange::from_pair(pair).map_err(|problem| Error::Invalid {
                location: location(field()).into(),
                problem: problem.into(),
            })
        })
        .transpose()
    };
    let mut features = Vec::with_capacity(raw.config.features.len());
    for (slot, raw_feature) in raw.config.features.iter().enumerate() {
        let mut outputs = BTreeMap::new();
        for (key, out) in &raw_feature.output {
            let kind = OutputKind::from_key(key).ok_or_else(|| Error::Invalid {
                location: location(format!("config.features[{slot}].output.{key}")).into(),
                problem: Problem::UnknownOutputType(key.clone()),
            })?;
            let field = |key: &str| format!("config.features[{slot}].output.{kind}.{key}");
            let override_ = OutputOverride {
                limit: limit(out.value, &|| field("value"))?,
                duration_limit: limit(out.duration, &|| field("duration"))?,
                disabled: out.disabled,
                reverse: out.reverse,
            };
            outputs.insert(kind, override_);
        }
        features.push(FeatureOverride {
            id: raw_feature.id,
            base_id: raw_feature.base_id,
            outputs,
        });
    }
    let settings = raw.config.user_config;
    Ok(DeviceRecord {
        key: DeviceKey {
            address: raw.identifier.address,
            protocol: raw.identifier.protocol,
            identifier: raw.identifier.identifier,
        },
        id: raw.config.id,
        base_id: raw.config.base_id,
        features,
        settings: UserSettings {
            allow: settings.allow,
            deny: settings.deny,
            index: settings.index,
            display_name: settings.display_name,
            message_gap_ms: settings.message_gap_ms,
        },
    })
}
