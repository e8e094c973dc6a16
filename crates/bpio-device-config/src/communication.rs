//! Communication specifiers: how hardware speaking a protocol is recognised and reached
//! (docs/DEVICE_CONFIG.md 3 and 4).

use bpio_hardware::{Endpoint, Parity, SerialSettings, Specialization, Transport, UsbId, Uuid};
use serde::{Deserialize, Serialize};

use crate::type_map::TypeMap;

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

    /// How a backend opens a device this rule matched (docs/DEVICE_CONFIG.md 7.1 step 5): BLE
    /// services to resolve into endpoints, serial line settings, or nothing to resolve.
    pub fn specialization(&self) -> Specialization {
        match self {
            Self::Btle(btle) => Specialization::Btle {
                services: btle
                    .services
                    .iter()
                    .map(|(service, endpoints)| {
                        (*service, endpoints.iter().map(|(name, uuid)| (*name, *uuid)).collect())
                    })
                    .collect(),
            },
            Self::Serial(serial) => Specialization::Serial(SerialSettings {
                baud_rate: serial.baud_rate,
                data_bits: serial.data_bits,
                parity: serial.parity,
                stop_bits: serial.stop_bits,
            }),
            _ => Specialization::Fixed,
        }
    }

    /// Gives back the spare capacity of its lists (see `Protocol::shrink_to_fit`).
    pub(crate) fn shrink_to_fit(&mut self) {
        match self {
            Self::Btle(btle) => {
                btle.names.shrink_to_fit();
                btle.manufacturer_data.shrink_to_fit();
                btle.advertised_services.shrink_to_fit();
            }
            Self::Hid(ids) | Self::Usb(ids) => ids.pairs.shrink_to_fit(),
            Self::Simulated(simulated) => simulated.names.shrink_to_fit(),
            Self::Serial(_)
            | Self::Xinput
            | Self::SdlGamepad
            | Self::LovenseConnectService
            | Self::Websocket(_) => {}
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

/// The `btle` specifier (docs/DEVICE_CONFIG.md 3.1).
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
    pub services: TypeMap<Uuid, TypeMap<Endpoint, Uuid>>,
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

/// The `serial` specifier (docs/DEVICE_CONFIG.md 3.2).
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

/// The vendor/product id pairs of a `hid` or `usb` specifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsbIds {
    /// At least one pair.
    pub pairs: Vec<UsbId>,
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
