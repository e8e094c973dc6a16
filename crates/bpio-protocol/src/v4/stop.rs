//! StopCmd.

use serde::{Deserialize, Deserializer, Serialize};

use crate::ids::ClientId;
use crate::object::json_object;

/// Stops outputs and/or input subscriptions on all devices, one device or one feature
/// (docs/PROTOCOL.md 6.15).
///
/// Absent fields are kept absent so the message re-serializes as it was sent; the accessors give
/// the defaults the spec defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StopCmd {
    /// Message id.
    pub id: ClientId,
    /// The device to stop; absent = every device.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub device_index: Option<u32>,
    /// The feature to stop; absent = every feature. Ignored without `device_index`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub feature_index: Option<u32>,
    /// Whether to end input subscriptions; absent = true.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub inputs: Option<bool>,
    /// Whether to stop outputs; absent = true.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub outputs: Option<bool>,
}

impl StopCmd {
    /// Whether input subscriptions are to be ended.
    pub fn stops_inputs(&self) -> bool {
        self.inputs.unwrap_or(true)
    }

    /// Whether outputs are to be stopped.
    pub fn stops_outputs(&self) -> bool {
        self.outputs.unwrap_or(true)
    }

    /// The feature selected, which only counts together with a device.
    pub fn selected_feature(&self) -> Option<u32> {
        self.device_index.and(self.feature_index)
    }
}

/// An optional field that, when present, must not be `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

json_object!(StopCmd);
