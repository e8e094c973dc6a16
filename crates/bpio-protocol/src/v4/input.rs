//! InputCmd, InputReading and input types.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::ClientId;
use crate::object::json_object;

/// What an input reports (docs/PROTOCOL.md 6.13).
///
/// Lower-case spellings and `RSSI` are accepted on input for compatibility (section 13, D3); the
/// spec's reserved `Depth` and `Position` have no reading format and are not accepted (D17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InputType {
    /// Charge level in percent.
    #[serde(alias = "battery")]
    Battery,
    /// Radio signal strength.
    #[serde(alias = "RSSI", alias = "rssi")]
    Rssi,
    /// Pressure sensor.
    #[serde(alias = "pressure")]
    Pressure,
    /// Button state.
    #[serde(alias = "button")]
    Button,
}

impl InputType {
    /// Every input type.
    pub const ALL: [Self; 4] = [Self::Battery, Self::Rssi, Self::Pressure, Self::Button];

    /// The name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Battery => "Battery",
            Self::Rssi => "Rssi",
            Self::Pressure => "Pressure",
            Self::Button => "Button",
        }
    }
}

impl fmt::Display for InputType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do with an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InputCommandType {
    /// Read once; the reply is an [`InputReading`].
    #[serde(alias = "read")]
    Read,
    /// Send a reading event on every new value.
    #[serde(alias = "subscribe")]
    Subscribe,
    /// End a subscription.
    #[serde(alias = "unsubscribe")]
    Unsubscribe,
}

impl fmt::Display for InputCommandType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Read => "Read",
            Self::Subscribe => "Subscribe",
            Self::Unsubscribe => "Unsubscribe",
        })
    }
}

/// Reads or subscribes to one input of one feature (docs/PROTOCOL.md 6.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct InputCmd {
    /// Message id.
    pub id: ClientId,
    /// The device.
    pub device_index: u32,
    /// The feature of the device.
    pub feature_index: u32,
    /// Which input of the feature.
    #[serde(rename = "Type")]
    pub input_type: InputType,
    /// What to do.
    pub command: InputCommandType,
}

/// A sensor reading: the reply to a `Read`, or a subscription event with Id 0 (docs/PROTOCOL.md
/// 6.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct InputReading {
    /// Id of the `Read` request, or 0 for subscription data.
    pub id: u32,
    /// The device.
    pub device_index: u32,
    /// The feature of the device.
    pub feature_index: u32,
    /// The reading.
    pub reading: Reading,
}

/// The `Reading` object: exactly one key, the input type, with a value of that type's width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reading {
    /// Charge level in percent.
    #[serde(alias = "battery")]
    Battery(ReadingValue<u8>),
    /// Signal strength in dBm (negative).
    #[serde(alias = "RSSI", alias = "rssi")]
    Rssi(ReadingValue<i8>),
    /// Pressure, device units.
    #[serde(alias = "pressure")]
    Pressure(ReadingValue<u32>),
    /// 1 = pressed, 0 = released.
    #[serde(alias = "button")]
    Button(ReadingValue<u8>),
}

impl Reading {
    /// The input type of this reading.
    pub const fn input_type(&self) -> InputType {
        match self {
            Self::Battery(_) => InputType::Battery,
            Self::Rssi(_) => InputType::Rssi,
            Self::Pressure(_) => InputType::Pressure,
            Self::Button(_) => InputType::Button,
        }
    }

    /// The value, widened.
    pub fn value(&self) -> i64 {
        match self {
            Self::Battery(v) | Self::Button(v) => v.value.into(),
            Self::Rssi(v) => v.value.into(),
            Self::Pressure(v) => v.value.into(),
        }
    }
}

/// `{"Value": n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct ReadingValue<T> {
    /// The reading.
    pub value: T,
}

json_object!(InputCmd, InputReading, ReadingValue<T>);
