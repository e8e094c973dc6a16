//! The vector file format of `test_data/README.md` as plain mirror types (deliberately not the
//! protocol crates' serde types), shared by the protocol crate's runner and the server's end to
//! end replay, which include this file with `#[path]`.
#![allow(dead_code)] // Each including test suite uses a different part.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bpio_device_config::DeviceConfig;
use bpio_hardware::{AdvertisementBuf, CompanyData, Endpoint, HardwareCommand, UsbId, Uuid};
use serde::Deserialize;

/// What the scripted device does or is expected to receive, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Exchange {
    /// The host must send this command.
    Expect(HardwareCommand),
    /// The device answers a read with these bytes.
    Reply(Vec<u8>),
    /// The device sends a notification.
    Notify(Endpoint, Vec<u8>),
    /// The device stays silent until the wait times out.
    Silence,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VectorFile {
    pub(crate) protocol: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) user_config: Option<String>,
    pub(crate) device: Identity,
    #[serde(default)]
    pub(crate) init: Vec<ExchangeV>,
    #[serde(default)]
    pub(crate) steps: Vec<StepV>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Identity {
    pub(crate) transport: String,
    pub(crate) name: String,
    pub(crate) address: String,
    #[serde(default)]
    pub(crate) services: Vec<String>,
    #[serde(default)]
    pub(crate) manufacturer_data: Vec<CompanyV>,
    #[serde(default)]
    pub(crate) port: Option<String>,
    /// HID and USB: the vendor id.
    #[serde(default)]
    pub(crate) vendor_id: Option<u16>,
    /// HID and USB: the product id.
    #[serde(default)]
    pub(crate) product_id: Option<u16>,
    /// The endpoints the connected hardware has; by default those the vector names.
    #[serde(default)]
    pub(crate) endpoints: Option<Vec<String>>,
    pub(crate) expected_name: String,
    #[serde(default)]
    pub(crate) expected_identifier: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompanyV {
    pub(crate) company: u16,
    #[serde(default)]
    pub(crate) data: Vec<u8>,
}

/// One host command or device action. Host: `write`, `subscribe`, `unsubscribe`, `read`.
/// Device: `notify`, `reply`, `silence`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExchangeV {
    pub(crate) write: Option<String>,
    pub(crate) subscribe: Option<String>,
    pub(crate) unsubscribe: Option<String>,
    pub(crate) read: Option<String>,
    pub(crate) length: Option<u32>,
    pub(crate) notify: Option<String>,
    pub(crate) reply: Option<bool>,
    pub(crate) silence: Option<bool>,
    pub(crate) text: Option<String>,
    pub(crate) bytes: Option<Vec<u8>>,
    pub(crate) with_response: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepV {
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) client: Vec<ClientV>,
    #[serde(default)]
    pub(crate) timer: bool,
    #[serde(default)]
    pub(crate) keepalive: bool,
    #[serde(default)]
    pub(crate) expect: Vec<ExchangeV>,
    #[serde(default)]
    pub(crate) device: Vec<ExchangeV>,
    #[serde(default)]
    pub(crate) readings: Vec<ReadingV>,
    #[serde(default)]
    pub(crate) error: Option<String>,
}

/// A v4 client message for this device (`Id` and `DeviceIndex` are the replayer's).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::enum_variant_names)] // The names are the v4 message names.
pub(crate) enum ClientV {
    OutputCmd(OutputCmdV),
    InputCmd(InputCmdV),
    StopCmd(StopCmdV),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub(crate) struct OutputCmdV {
    pub(crate) feature_index: u32,
    pub(crate) command: BTreeMap<String, ParamsV>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub(crate) struct ParamsV {
    pub(crate) value: i64,
    #[serde(default)]
    pub(crate) duration: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub(crate) struct InputCmdV {
    pub(crate) feature_index: u32,
    #[serde(rename = "Type")]
    pub(crate) input_type: String,
    pub(crate) command: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub(crate) struct StopCmdV {
    #[serde(default)]
    pub(crate) feature_index: Option<u32>,
    #[serde(default)]
    pub(crate) inputs: Option<bool>,
    #[serde(default)]
    pub(crate) outputs: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub(crate) struct ReadingV {
    pub(crate) feature_index: u32,
    pub(crate) reading: BTreeMap<String, ValueV>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub(crate) struct ValueV {
    pub(crate) value: i64,
}

pub(crate) fn data_of(item: &ExchangeV) -> Vec<u8> {
    match (&item.text, &item.bytes) {
        (Some(text), None) => text.as_bytes().to_vec(),
        (None, Some(bytes)) => bytes.clone(),
        (None, None) => Vec::new(),
        _ => panic!("{item:?}: give `text` or `bytes`, not both"),
    }
}

pub(crate) fn endpoint(name: &str) -> Endpoint {
    name.parse().unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn to_exchange(item: &ExchangeV) -> Exchange {
    if let Some(name) = &item.write {
        let data = data_of(item);
        return Exchange::Expect(HardwareCommand::Write {
            endpoint: endpoint(name),
            data,
            with_response: item.with_response.unwrap_or(false),
        });
    }
    if let Some(name) = &item.subscribe {
        return Exchange::Expect(HardwareCommand::subscribe(endpoint(name)));
    }
    if let Some(name) = &item.unsubscribe {
        return Exchange::Expect(HardwareCommand::unsubscribe(endpoint(name)));
    }
    if let Some(name) = &item.read {
        let length = item.length.unwrap_or(0);
        return Exchange::Expect(HardwareCommand::read(endpoint(name), length, Default::default()));
    }
    if let Some(name) = &item.notify {
        return Exchange::Notify(endpoint(name), data_of(item));
    }
    if item.reply == Some(true) {
        return Exchange::Reply(data_of(item));
    }
    if item.silence == Some(true) {
        return Exchange::Silence;
    }
    panic!("{item:?}: says neither what the host sends nor what the device does")
}

pub(crate) fn expected_commands(items: &[ExchangeV]) -> Vec<HardwareCommand> {
    items
        .iter()
        .map(|item| match to_exchange(item) {
            Exchange::Expect(command) => command,
            other => panic!("`expect` holds only host commands, found {other:?}"),
        })
        .collect()
}

pub(crate) fn reading(expected: &ReadingV) -> (u32, String, i64) {
    let (name, value) = expected.reading.iter().next().expect("a Reading has one key");
    (expected.feature_index, name.clone(), value.value)
}

pub(crate) fn advertisement(identity: &Identity) -> AdvertisementBuf {
    match identity.transport.as_str() {
        "btle" => AdvertisementBuf::Btle {
            name: identity.name.clone(),
            manufacturer_data: identity
                .manufacturer_data
                .iter()
                .map(|entry| (entry.company, entry.data.clone()))
                .collect(),
            services: identity.services.iter().map(|s| s.parse::<Uuid>().unwrap()).collect(),
        },
        "serial" => {
            AdvertisementBuf::Serial { port: identity.port.clone().expect("serial needs `port`") }
        }
        "hid" => AdvertisementBuf::Hid(usb_id(identity)),
        "usb" => AdvertisementBuf::Usb(usb_id(identity)),
        "simulated" => AdvertisementBuf::Simulated { identifier: identity.name.clone() },
        "websocket" => AdvertisementBuf::Websocket { identifier: identity.name.clone() },
        "gamepad" => AdvertisementBuf::Gamepad,
        "lovense-connect" => AdvertisementBuf::LovenseConnect,
        other => panic!("transport {other} is not supported by vectors yet"),
    }
}

/// The vendor and product ids of a HID or USB device.
fn usb_id(identity: &Identity) -> UsbId {
    let transport = &identity.transport;
    UsbId {
        vendor_id: identity.vendor_id.unwrap_or_else(|| panic!("{transport} needs `vendor_id`")),
        product_id: identity.product_id.unwrap_or_else(|| panic!("{transport} needs `product_id`")),
    }
}

/// The advertised manufacturer data as the protocol sees it.
pub(crate) fn company_data(identity: &Identity) -> Vec<CompanyData<'_>> {
    identity
        .manufacturer_data
        .iter()
        .map(|entry| CompanyData { company: entry.company, data: &entry.data })
        .collect()
}

/// The endpoints the device has: the `[device]` list when the file gives one (it must hold every
/// endpoint the exchanges name), otherwise every endpoint the exchanges name.
pub(crate) fn device_endpoints(file: &VectorFile) -> Result<Vec<Endpoint>, String> {
    let items = file
        .init
        .iter()
        .chain(file.steps.iter().flat_map(|step| step.expect.iter().chain(&step.device)));
    let mut named: Vec<Endpoint> = items
        .filter_map(|item| {
            [&item.write, &item.subscribe, &item.unsubscribe, &item.read, &item.notify]
                .into_iter()
                .flatten()
                .next()
                .map(|name| endpoint(name))
        })
        .collect();
    named.sort_by_key(ToString::to_string);
    named.dedup();
    let Some(declared) = &file.device.endpoints else {
        return Ok(named);
    };
    let declared: Vec<Endpoint> = declared.iter().map(|name| endpoint(name)).collect();
    match named.iter().find(|used| !declared.contains(used)) {
        Some(missing) => Err(format!("the exchanges use {missing}, not in [device] endpoints")),
        None => Ok(declared),
    }
}

/// Reads a vector file.
pub(crate) fn load(path: &Path) -> Result<VectorFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    toml::from_str(&text).map_err(|e| format!("parse: {e}"))
}

/// The embedded database with the file's user config (if it names one) applied.
pub(crate) fn device_config(path: &Path, file: &VectorFile) -> Result<DeviceConfig, String> {
    let mut config = DeviceConfig::embedded().map_err(|e| e.to_string())?;
    if let Some(user) = &file.user_config {
        let user_path = path.parent().ok_or("a vector file has a folder")?.join(user);
        let json = std::fs::read_to_string(&user_path)
            .map_err(|e| format!("{}: {e}", user_path.display()))?;
        let warnings = config.apply_user_json(&json).map_err(|e| e.to_string())?;
        if !warnings.is_empty() {
            return Err(format!("user config warnings: {warnings:?}"));
        }
    }
    Ok(config)
}

/// Every `*.toml` under `dir`, walked in name order (no hand list).
pub(crate) fn vector_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            vector_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            found.push(path);
        }
    }
}
