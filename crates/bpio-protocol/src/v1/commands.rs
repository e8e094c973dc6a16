//! The generic per-motor commands of spec v1, also part of v2 and v3 (docs/VERSIONS.md 7.3–7.5).

use serde::{Deserialize, Serialize};

use super::values::{Duration, NonEmpty};
use crate::ids::ClientId;
use crate::object::json_object;
use crate::v0::UnitInterval;

/// Set the speed of some vibrators of a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct VibrateCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// One entry per vibrator to set; a later entry for the same `Index` wins.
    pub speeds: NonEmpty<VibrateSubcommand>,
}

/// One vibrator of a [`VibrateCmd`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct VibrateSubcommand {
    /// Position in the device's vibrator list.
    pub index: u32,
    /// The speed.
    pub speed: UnitInterval,
}

/// Set the speed and direction of some rotators of a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RotateCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// One entry per rotator to set.
    pub rotations: NonEmpty<RotateSubcommand>,
}

/// One rotator of a [`RotateCmd`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RotateSubcommand {
    /// Position in the device's rotator list.
    pub index: u32,
    /// The speed.
    pub speed: UnitInterval,
    /// The direction.
    pub clockwise: bool,
}

/// Move some linear actuators of a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LinearCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// One entry per actuator to move; may be empty (then nothing happens).
    pub vectors: Vec<LinearSubcommand>,
}

/// One actuator of a [`LinearCmd`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LinearSubcommand {
    /// Position in the device's linear actuator list.
    pub index: u32,
    /// Movement time in milliseconds.
    pub duration: Duration,
    /// Target position.
    pub position: UnitInterval,
}

json_object!(
    VibrateCmd,
    VibrateSubcommand,
    RotateCmd,
    RotateSubcommand,
    LinearCmd,
    LinearSubcommand
);
