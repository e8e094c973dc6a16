//! Features: the outputs and inputs of a device, and their conversion to the wire.

use std::collections::BTreeMap;

use bpio_protocol::v4;

use crate::range::{ConfigRange, advertised_range, hardware_value};
use crate::type_map::TypeMap;
use bpio_hardware::Uuid;

/// A wire type named by a key in the config formats, which spell it in snake_case where the wire
/// uses PascalCase (docs/DEVICE_CONFIG.md 5.3, 5.4). The model uses the wire types themselves, so
/// nothing converts between two vocabularies; only file keys are spelled here.
pub trait ConfigKey: Copy + Ord + 'static {
    /// Every value with a config key.
    const ALL: &'static [Self];

    /// The key in config files.
    fn config_key(self) -> &'static str;

    /// The value with this config key.
    fn from_config_key(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.config_key() == key)
    }
}

impl ConfigKey for v4::OutputType {
    const ALL: &'static [Self] = &Self::ALL;

    fn config_key(self) -> &'static str {
        match self {
            Self::Vibrate => "vibrate",
            Self::Rotate => "rotate",
            Self::Oscillate => "oscillate",
            Self::Constrict => "constrict",
            Self::Spray => "spray",
            Self::Temperature => "temperature",
            Self::Led => "led",
            Self::Position => "position",
            Self::HwPositionWithDuration => "hw_position_with_duration",
        }
    }
}

impl ConfigKey for v4::InputType {
    const ALL: &'static [Self] = &Self::ALL;

    fn config_key(self) -> &'static str {
        match self {
            Self::Battery => "battery",
            Self::Rssi => "rssi",
            Self::Pressure => "pressure",
            Self::Button => "button",
        }
    }
}

/// Input keys the config formats know but the wire has no reading format for (docs/DEVICE_CONFIG.md
/// 5.4): they load, and are left out of the model, as nothing could ever use them.
pub(crate) const RESERVED_INPUT_KEYS: [&str; 2] = ["depth", "position"];

/// Whether values of `output` are positions (mapped with an offset and `reverse`) rather than
/// speeds.
pub(crate) const fn is_position(output: v4::OutputType) -> bool {
    !output.is_stoppable()
}

/// Serde for a map keyed by [`ConfigKey`]s, for `#[serde(with = "config_keyed")]`.
pub(crate) mod config_keyed {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::ConfigKey;

    pub(crate) fn serialize<K: ConfigKey, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_map(map.iter().map(|(key, value)| (key.config_key(), value)))
    }

    pub(crate) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: ConfigKey,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        struct Keyed<K, V>(PhantomData<(K, V)>);

        impl<'de, K: ConfigKey, V: Deserialize<'de>> Visitor<'de> for Keyed<K, V> {
            type Value = BTreeMap<K, V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map keyed by type")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    let Some(kind) = K::from_config_key(&key) else {
                        let known: Vec<&str> = K::ALL.iter().map(|k| k.config_key()).collect();
                        return Err(de::Error::custom(format_args!(
                            "unknown type `{key}`, expected one of {}",
                            known.join(", ")
                        )));
                    };
                    map.insert(kind, access.next_value()?);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_map(Keyed(PhantomData))
    }
}

/// One output of a feature: its base range and, after a user config applied, the user's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Base range from the device definition.
    pub value: ConfigRange,
    /// Base duration range in ms (`hw_position_with_duration` only).
    pub duration: Option<ConfigRange>,
    /// User limit on `value`, inside `[0, value.max]`.
    pub limit: Option<ConfigRange>,
    /// User limit on `duration`, inside `[0, duration.max]`.
    pub duration_limit: Option<ConfigRange>,
    /// Hidden from clients, commands refused.
    pub disabled: bool,
    /// Position axis inverted.
    pub reverse: bool,
}

impl Output {
    /// An output with a base range and nothing else.
    pub const fn new(value: ConfigRange) -> Self {
        Self {
            value,
            duration: None,
            limit: None,
            duration_limit: None,
            disabled: false,
            reverse: false,
        }
    }

    /// The `Value` range clients see, or `None` when it cannot be advertised.
    pub fn advertised_value(&self) -> Option<v4::Range> {
        advertised_range(self.value, self.limit)
    }

    /// The `Duration` range clients see (`[0, d_max]` or `[0, du_max - du_min]`).
    pub fn advertised_duration(&self) -> Option<v4::Range> {
        self.duration.and_then(|duration| advertised_range(duration, self.duration_limit))
    }

    /// The ranges clients see, or `None` when the `Value` range cannot be advertised.
    pub fn advertised(&self) -> Option<v4::OutputRanges> {
        Some(v4::OutputRanges {
            value: self.advertised_value()?,
            duration: self.advertised_duration(),
        })
    }

    /// The ranges of the hardware values an encoder takes: the base ranges, as advertised
    /// without user limits (`[0, max]`, or `[-max, max]` when `min` is negative); `None` when
    /// `max` is negative.
    pub fn hardware_ranges(&self) -> Option<v4::OutputRanges> {
        Some(v4::OutputRanges {
            value: advertised_range(self.value, None)?,
            duration: self.duration.and_then(|duration| advertised_range(duration, None)),
        })
    }

    /// The hardware value for an accepted client value (docs/PROTOCOL.md 7.3).
    pub fn hardware_value(&self, kind: v4::OutputType, value: i64) -> i64 {
        hardware_value(kind, self.value, self.limit, self.reverse, value)
    }
}

/// One input of a feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Range of each reported value.
    pub values: Vec<ConfigRange>,
    /// Commands the input accepts.
    pub commands: Vec<v4::InputCommandType>,
}

/// One feature of a device definition (docs/DEVICE_CONFIG.md 5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Feature index exposed to clients.
    pub index: u32,
    /// Stable id; user records point at it.
    pub id: Uuid,
    /// Free text, may be empty.
    pub description: String,
    /// Outputs by type.
    pub outputs: TypeMap<v4::OutputType, Output>,
    /// Inputs by type.
    pub inputs: TypeMap<v4::InputType, Input>,
    /// `feature_settings.alt_protocol_index`: reserved, kept so it survives conversion.
    pub alt_protocol_index: Option<i64>,
}

impl Feature {
    /// The wire feature, or `None` when it has neither an enabled, advertisable output nor an
    /// advertisable input (such features are left out of `DeviceFeatures`, docs/PROTOCOL.md 6.11).
    pub fn to_protocol(&self) -> Option<v4::Feature> {
        let mut output = v4::FeatureOutput::default();
        let mut any_output = false;
        for (kind, out) in self.outputs.iter().filter(|(_, out)| !out.disabled) {
            let Some(value) = out.advertised_value() else {
                tracing::warn!(
                    feature = self.index,
                    output = kind.config_key(),
                    "output with a negative max is not advertised"
                );
                continue;
            };
            let range = Some(v4::ValueRange { value });
            any_output = true;
            match kind {
                v4::OutputType::Vibrate => output.vibrate = range,
                v4::OutputType::Rotate => output.rotate = range,
                v4::OutputType::Oscillate => output.oscillate = range,
                v4::OutputType::Constrict => output.constrict = range,
                v4::OutputType::Spray => output.spray = range,
                v4::OutputType::Temperature => output.temperature = range,
                v4::OutputType::Led => output.led = range,
                v4::OutputType::Position => output.position = range,
                v4::OutputType::HwPositionWithDuration => {
                    // The loader guarantees a duration on this type; without one it is unusable.
                    match out.advertised_duration() {
                        Some(duration) => {
                            output.hw_position_with_duration =
                                Some(v4::PositionWithDurationRange { value, duration });
                        }
                        None => any_output = output != v4::FeatureOutput::default(),
                    }
                }
            }
        }
        let mut input = v4::FeatureInput::default();
        let mut any_input = false;
        for (kind, properties) in &self.inputs {
            let properties = Some(v4::InputProperties {
                value: properties.values.iter().map(|range| range.to_protocol()).collect(),
                command: properties.commands.clone(),
            });
            any_input = true;
            match kind {
                v4::InputType::Battery => input.battery = properties,
                v4::InputType::Rssi => input.rssi = properties,
                v4::InputType::Pressure => input.pressure = properties,
                v4::InputType::Button => input.button = properties,
            }
        }
        (any_output || any_input).then(|| v4::Feature {
            feature_index: self.index,
            feature_description: self.description.clone(),
            output: any_output.then(|| Box::new(output)),
            input: any_input.then(|| Box::new(input)),
        })
    }
}

/// The `DeviceFeatures` map of the wire `Device` object for these features.
pub fn features_to_protocol(features: &[Feature]) -> BTreeMap<u32, v4::Feature> {
    features
        .iter()
        .filter_map(|feature| feature.to_protocol().map(|wire| (feature.index, wire)))
        .collect()
}
