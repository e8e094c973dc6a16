//! The generic actuator and sensor commands of spec v3 (docs/VERSIONS.md 9.3 and 9.4).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::ClientId;
use crate::object::json_object;
use crate::v0::UnitInterval;
use crate::v1::NonEmpty;

/// What an actuator does, as v3 names it (docs/VERSIONS.md 9.2): the v4 output type names other
/// than `HwPositionWithDuration`. Lower-case spellings are accepted on input (docs/VERSIONS.md
/// 9.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ActuatorType {
    /// Vibration speed.
    #[serde(alias = "vibrate")]
    Vibrate,
    /// Rotation speed (clockwise through `ScalarCmd`).
    #[serde(alias = "rotate")]
    Rotate,
    /// Back-and-forth speed.
    #[serde(alias = "oscillate")]
    Oscillate,
    /// Squeeze or pump level.
    #[serde(alias = "constrict")]
    Constrict,
    /// Heating level.
    #[serde(alias = "temperature")]
    Temperature,
    /// Brightness.
    #[serde(alias = "led")]
    Led,
    /// Position, as fast as possible.
    #[serde(alias = "position")]
    Position,
    /// Spray intensity.
    #[serde(alias = "spray")]
    Spray,
}

impl ActuatorType {
    /// The name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Vibrate => "Vibrate",
            Self::Rotate => "Rotate",
            Self::Oscillate => "Oscillate",
            Self::Constrict => "Constrict",
            Self::Temperature => "Temperature",
            Self::Led => "Led",
            Self::Position => "Position",
            Self::Spray => "Spray",
        }
    }
}

impl fmt::Display for ActuatorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a sensor reports, as v3 names it. Lower-case spellings are accepted on input
/// (docs/VERSIONS.md 9.4), and `Rssi` as well as `RSSI`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SensorType {
    /// Charge level in percent.
    #[serde(alias = "battery")]
    Battery,
    /// Radio signal strength.
    #[serde(rename = "RSSI", alias = "Rssi", alias = "rssi")]
    Rssi,
    /// Pressure sensor.
    #[serde(alias = "pressure")]
    Pressure,
    /// Button state.
    #[serde(alias = "button")]
    Button,
}

impl fmt::Display for SensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Battery => "Battery",
            Self::Rssi => "RSSI",
            Self::Pressure => "Pressure",
            Self::Button => "Button",
        })
    }
}

/// Drive some actuators of a device, each by its position in the device's scalar list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScalarCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// One entry per actuator to set.
    pub scalars: NonEmpty<ScalarSubcommand>,
}

/// One actuator of a [`ScalarCmd`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScalarSubcommand {
    /// Position in the device's scalar list.
    pub index: u32,
    /// The level.
    pub scalar: UnitInterval,
    /// Must equal the `ActuatorType` of the list entry.
    pub actuator_type: ActuatorType,
}

/// Read a sensor once; the reply is a [`SensorReading`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SensorReadCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Position in the device's sensor list.
    pub sensor_index: u32,
    /// The sensor type; only `Battery` is ever advertised.
    pub sensor_type: SensorType,
}

/// Subscribe to a sensor; refused with ERROR_DEVICE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SensorSubscribeCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Position in the device's sensor list.
    pub sensor_index: u32,
    /// The sensor type.
    pub sensor_type: SensorType,
}

/// End a sensor subscription; refused with ERROR_DEVICE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SensorUnsubscribeCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// Position in the device's sensor list.
    pub sensor_index: u32,
    /// The sensor type.
    pub sensor_type: SensorType,
}

/// Reply to [`SensorReadCmd`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct SensorReading {
    /// Id of the request (0 would be subscription data, which we never send).
    pub id: u32,
    /// The device.
    pub device_index: u32,
    /// Echoed from the request.
    pub sensor_index: u32,
    /// The sensor type.
    pub sensor_type: SensorType,
    /// The values; `[percent]` for a battery.
    pub data: Vec<i32>,
}

json_object!(
    ScalarCmd,
    ScalarSubcommand,
    SensorReadCmd,
    SensorSubscribeCmd,
    SensorUnsubscribeCmd,
    SensorReading
);
