//! Communication specifiers: how hardware speaking a protocol is recognised and reached
//! (DEVICE_CONFIG.md 3 and 4).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::uuid::Uuid;

/// One recognition rule of a protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "transport", rename_all = "snake_case")]
pub enum Specifier {
    /// Bluetooth LE.
    Btle(BtleSpecifier),
    /// A serial port with its line settings.
    Serial(SerialSpecifier),
    /// HID devices with these vendor/product ids.
    Hid(UsbIds),
    /// Raw USB devices with these vendor/product ids.
    Usb(UsbIds),
    /// A game controller, format-4 spelling `xinput`.
    Xinput,
    /// A game controller, format-5 spelling `sdl-gamepad` (same transport as `xinput`).
    SdlGamepad,
    /// Devices relayed by the Lovense Connect app.
    LovenseConnectService,
    /// A device that opens a WebSocket to the server and names itself `name`.
    Websocket(WebsocketSpecifier),
    /// Simulated devices with these identifiers (format 5).
    Simulated(SimulatedSpecifier),
}

impl Specifier {
    /// The transport this rule applies to.
    pub const fn transport(&self) -> Transport {
        match self {
            Self::Btle(_) => Transport::Btle,
            Self::Serial(_) => Transport::Serial,
            Self::Hid(_) => Transport::Hid,
            Self::Usb(_) => Transport::Usb,
            Self::Xinput | Self::SdlGamepad => Transport::Gamepad,
            Self::LovenseConnectService => Transport::LovenseConnect,
            Self::Websocket(_) => Transport::Websocket,
            Self::Simulated(_) => Transport::Simulated,
        }
    }

    /// The key naming this specifier in the public formats.
    pub const fn public_key(&self) -> &'static str {
        match self {
            Self::Btle(_) => "btle",
            Self::Serial(_) => "serial",
            Self::Hid(_) => "hid",
            Self::Usb(_) => "usb",
            Self::Xinput => "xinput",
            Self::SdlGamepad => "sdl-gamepad",
            Self::LovenseConnectService => "lovense_connect_service",
            Self::Websocket(_) => "websocket",
            Self::Simulated(_) => "simulated",
        }
    }
}

/// A hardware transport; backends report devices per transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Transport {
    Btle,
    Serial,
    Hid,
    Usb,
    Gamepad,
    LovenseConnect,
    Websocket,
    Simulated,
}

impl Transport {
    /// The timing gap to use when neither the user nor the definition sets one (DEVICE_CONFIG.md
    /// 7.5): 75 ms for Bluetooth LE, where fast writes jam the link, otherwise 0.
    pub const fn default_gap_ms(self) -> u32 {
        match self {
            Self::Btle => 75,
            _ => 0,
        }
    }
}

/// The `btle` specifier (DEVICE_CONFIG.md 3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BtleSpecifier {
    /// Advertised names; an entry ending in `*` is a prefix pattern.
    pub names: Vec<String>,
    /// Manufacturer data that identifies the protocol.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manufacturer_data: Vec<ManufacturerData>,
    /// Advertised service UUIDs that identify the protocol.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advertised_services: Vec<Uuid>,
    /// GATT service → endpoint → characteristic, used after connecting.
    pub services: BTreeMap<Uuid, BTreeMap<Endpoint, Uuid>>,
}

/// One `manufacturer_data` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManufacturerData {
    /// Bluetooth SIG company id.
    pub company: u16,
    /// Data bytes; `None` matches any data of that company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<u8>>,
    /// Allowed by the schema and ignored by matching; kept so conversion loses nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_length: Option<i64>,
}

/// The `serial` specifier (DEVICE_CONFIG.md 3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialSpecifier {
    /// Port name; `"default"` in base files, which matches no real port.
    pub port: String,
    /// Line speed.
    pub baud_rate: u32,
    /// Data bits per character.
    pub data_bits: u8,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: u8,
}

/// Serial parity, written as one letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Parity {
    #[serde(rename = "N")]
    None,
    #[serde(rename = "E")]
    Even,
    #[serde(rename = "O")]
    Odd,
}

/// The vendor/product id pairs of a `hid` or `usb` specifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsbIds {
    /// At least one pair.
    pub pairs: Vec<UsbId>,
}

/// One vendor/product id pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsbId {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
}

/// The `websocket` specifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebsocketSpecifier {
    /// Compared with the identifier the device sends first.
    pub name: String,
}

/// The `simulated` specifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatedSpecifier {
    /// Identifiers of simulated devices.
    pub names: Vec<String>,
}

/// A named hardware channel (DEVICE_CONFIG.md 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[allow(missing_docs)]
pub enum Endpoint {
    Command,
    Firmware,
    Rx,
    RxAccel,
    RxBleBattery,
    RxBleModel,
    RxPressure,
    RxTouch,
    Tx,
    TxMode,
    TxShock,
    TxVibrate,
    TxVendorControl,
    Whitelist,
    /// `generic0` … `generic31`.
    Generic(u8),
}

/// A string that names no endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an endpoint name")]
pub struct UnknownEndpoint(pub String);

const NAMED_ENDPOINTS: [(&str, Endpoint); 14] = [
    ("command", Endpoint::Command),
    ("firmware", Endpoint::Firmware),
    ("rx", Endpoint::Rx),
    ("rxaccel", Endpoint::RxAccel),
    ("rxblebattery", Endpoint::RxBleBattery),
    ("rxblemodel", Endpoint::RxBleModel),
    ("rxpressure", Endpoint::RxPressure),
    ("rxtouch", Endpoint::RxTouch),
    ("tx", Endpoint::Tx),
    ("txmode", Endpoint::TxMode),
    ("txshock", Endpoint::TxShock),
    ("txvibrate", Endpoint::TxVibrate),
    ("txvendorcontrol", Endpoint::TxVendorControl),
    ("whitelist", Endpoint::Whitelist),
];

impl FromStr for Endpoint {
    type Err = UnknownEndpoint;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Some((_, endpoint)) = NAMED_ENDPOINTS.iter().find(|(text, _)| *text == name) {
            return Ok(*endpoint);
        }
        name.strip_prefix("generic")
            // Only canonical numbers: "generic07" would not print back the same.
            .filter(|digits| !digits.starts_with('0') || *digits == "0")
            .and_then(|digits| digits.parse::<u8>().ok())
            .filter(|number| *number <= 31)
            .map(Endpoint::Generic)
            .ok_or_else(|| UnknownEndpoint(name.to_owned()))
    }
}

impl TryFrom<String> for Endpoint {
    type Error = UnknownEndpoint;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

impl From<Endpoint> for String {
    fn from(endpoint: Endpoint) -> Self {
        endpoint.to_string()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Self::Generic(number) = self {
            return write!(f, "generic{number}");
        }
        let name = NAMED_ENDPOINTS
            .iter()
            .find(|(_, endpoint)| endpoint == self)
            .map_or("", |(text, _)| *text);
        f.write_str(name)
    }
}
