//! The user configuration: the user's own recognition rules, device models and per-device
//! records (docs/DEVICE_CONFIG.md 6).

use std::collections::BTreeMap;

use crate::communication::Specifier;
use crate::definition::Definition;
use crate::error::{Error, Warning};
use crate::feature::OutputKind;
use crate::public::Version;
use crate::range::ConfigRange;
use bpio_hardware::Uuid;

/// A parsed user configuration file.
#[derive(Debug, Default)]
pub struct UserConfig {
    /// The version the file declared; `None` for a config that was not read from a file.
    pub version: Option<Version>,
    /// Per-protocol additions, by protocol name.
    pub protocols: BTreeMap<String, UserProtocol>,
    /// Per-device records that parsed; see [`Self::warnings`] for the ones that did not.
    pub devices: Vec<DeviceRecord>,
    /// Simulated devices to present (format 5).
    pub simulated_devices: Vec<SimulatedDevice>,
    /// What was skipped or dropped while reading.
    pub warnings: Vec<Warning>,
}

impl UserConfig {
    /// Parses a user configuration file of major 4 or 5.
    ///
    /// The whole file is rejected only when it is not a valid file of its format; a record that
    /// parses but cannot be used is dropped later, when it is applied to a base database.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        crate::public::user::parse_user(text)
    }
}

/// What a user file adds to one protocol (docs/DEVICE_CONFIG.md 6.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserProtocol {
    /// Recognition rules tried before the base ones.
    pub communication: Vec<Specifier>,
    /// Extra device models; not merged with the protocol's defaults.
    pub configurations: Vec<Definition>,
}

/// The identity of a physical device: address, protocol and model identifier
/// (docs/DEVICE_CONFIG.md 7.2).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceKey {
    /// Backend-specific stable address.
    pub address: String,
    /// The matched protocol.
    pub protocol: String,
    /// The model identifier, when the protocol has one.
    pub identifier: Option<String>,
}

/// One `user_configs.devices` element (docs/DEVICE_CONFIG.md 6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// Which device.
    pub key: DeviceKey,
    /// Id of this user definition.
    pub id: Uuid,
    /// Id of the definition it customises.
    pub base_id: Uuid,
    /// One entry per base feature.
    pub features: Vec<FeatureOverride>,
    /// Device-level settings.
    pub settings: UserSettings,
}

/// One `config.features` element (docs/DEVICE_CONFIG.md 6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureOverride {
    /// Id of this user feature.
    pub id: Uuid,
    /// Id of the base feature.
    pub base_id: Uuid,
    /// Per-output overrides.
    pub outputs: BTreeMap<OutputKind, OutputOverride>,
}

/// The user's settings for one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputOverride {
    /// Limit on the value range.
    pub limit: Option<ConfigRange>,
    /// Limit on the duration range (`hw_position_with_duration`).
    pub duration_limit: Option<ConfigRange>,
    /// Hide the output.
    pub disabled: bool,
    /// Invert the position axis.
    pub reverse: bool,
}

/// `config.user_config` (docs/DEVICE_CONFIG.md 6.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserSettings {
    /// On the allow list.
    pub allow: bool,
    /// Blocked.
    pub deny: bool,
    /// Reserved device index.
    pub index: u32,
    /// `DeviceDisplayName`.
    pub display_name: Option<String>,
    /// Overrides the definition's gap.
    pub message_gap_ms: Option<u32>,
}

/// One `user_configs.simulated_devices` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedDevice {
    /// Names a `simulated` configuration.
    pub identifier: String,
    /// The device's address.
    pub address: String,
    /// Display name.
    pub display_name: Option<String>,
}
