//! The JSON the Lovense services answer with, as this backend reads it: the discovery service's
//! list of apps, the app's `GetToys` listing and its answer to a command.
//!
//! Read tolerantly where the app is known to vary (numbers sent as strings, `status` as a number,
//! a string or a boolean, a `null` battery or toy list) and strictly everywhere else: anything
//! else is an [`Error`] that says what was wrong.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

use crate::Error;
use crate::http::{DISCOVERY, TOY_LIST};

/// The code of a successful answer from the app.
const OK: i64 = 200;

/// One app the discovery service lists: where its local HTTP API answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppAddr {
    pub(crate) ip: Ipv4Addr,
    pub(crate) http_port: u16,
}

impl AppAddr {
    /// The base URL of the app's plain HTTP API.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}:{}", self.ip, self.http_port)
    }
}

/// A toy the app lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToyInfo {
    /// The app's id of the toy: the device's address.
    pub(crate) id: String,
    /// The toy type, capitalised as the local API reports it (`Lush`, `Edge`): what the device
    /// database's identifiers name.
    pub(crate) name: String,
    /// Whether the toy is connected to the app now.
    pub(crate) connected: bool,
    /// Percent, when the app knows it.
    pub(crate) battery: Option<u8>,
}

/// The discovery service's answer: an object keyed by the app's domain
/// (`192-168-1-44.lovense.club`, the app's IPv4 address with dashes), each with its ports.
/// Entries whose domain holds no address are skipped, each with a warning.
pub(crate) fn parse_discovery(text: &str) -> Result<Vec<AppAddr>, Error> {
    #[derive(Deserialize)]
    struct Entry {
        #[serde(rename = "httpPort", deserialize_with = "number_or_string")]
        http_port: u16,
    }
    let apps: BTreeMap<String, Entry> =
        serde_json::from_str(text).map_err(|source| Error::BadJson { what: DISCOVERY, source })?;
    Ok(apps
        .into_iter()
        .filter_map(|(domain, entry)| match ip_of_domain(&domain) {
            Some(ip) => Some(AppAddr { ip, http_port: entry.http_port }),
            None => {
                tracing::warn!("Lovense Connect discovery listed an app without an address");
                tracing::debug!(%domain, "not an address");
                None
            }
        })
        .collect())
}

/// `192-168-1-44.lovense.club` → 192.168.1.44. The name resolves to that address through the
/// vendor's DNS, which sometimes fails; the address itself always works on the local network.
fn ip_of_domain(domain: &str) -> Option<Ipv4Addr> {
    domain.split('.').next()?.replace('-', ".").parse().ok()
}

/// The answer to `GetToys`: `{"type": "OK", "code": 200, "data": {id: toy, ...}}`. A `data` that
/// is missing or `null` lists no toy; a `code` other than 200 is the app's refusal.
pub(crate) fn parse_toys(text: &str) -> Result<Vec<ToyInfo>, Error> {
    #[derive(Deserialize)]
    struct Listing {
        #[serde(default, deserialize_with = "optional_number_or_string")]
        code: Option<i64>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        data: Option<BTreeMap<String, Toy>>,
    }
    #[derive(Deserialize)]
    struct Toy {
        id: String,
        name: String,
        #[serde(deserialize_with = "flag")]
        status: bool,
        #[serde(default)]
        battery: Value,
    }
    let listing: Listing =
        serde_json::from_str(text).map_err(|source| Error::BadJson { what: TOY_LIST, source })?;
    if let Some(code) = listing.code.filter(|code| *code != OK) {
        return Err(Error::App { code, message: listing.message.unwrap_or_default() });
    }
    Ok(listing
        .data
        .unwrap_or_default()
        .into_values()
        .map(|toy| ToyInfo {
            id: toy.id,
            name: toy.name,
            connected: toy.status,
            battery: percent(&toy.battery),
        })
        .collect())
}

/// A battery level the app sends as a number or a string of one; `null`, and the -1 and the
/// like it reports while it does not know, are no level.
fn percent(level: &Value) -> Option<u8> {
    let level = match level {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }?;
    u8::try_from(level).ok().filter(|level| *level <= 100)
}

/// The answer to a command: `{"type": "OK", "code": 200}`, or the app's refusal with another
/// code (401 toy not found, 402 toy not connected, 403 not supported by the toy, 404 invalid
/// parameter, ...). A body that is not the app's JSON is taken as accepted: the command reached
/// the app, and versions of it differ in what they say back.
pub(crate) fn check_command_reply(text: &str) -> Result<(), Error> {
    let Ok(Value::Object(reply)) = serde_json::from_str::<Value>(text) else {
        tracing::debug!(len = text.len(), "the app's answer to a command is not its JSON");
        return Ok(());
    };
    let code = reply.get("code").and_then(|code| match code {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    });
    match code {
        Some(code) if code != OK => {
            let message = reply.get("message").and_then(Value::as_str).unwrap_or_default();
            Err(Error::App { code, message: message.to_owned() })
        }
        _ => Ok(()),
    }
}

/// A number the app sends as a number or as a string of one.
fn number_or_string<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let value = match Value::deserialize(deserializer)? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    value
        .and_then(|value| T::try_from(value).ok())
        .ok_or_else(|| de::Error::custom("expected a number (or a string of one) in range"))
}

fn optional_number_or_string<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    number_or_string(deserializer).map(Some)
}

/// A yes/no the app sends as `1`/`0`, `"1"`/`"0"`, `true`/`false` or `"true"`/`"false"`.
fn flag<'de, D>(deserializer: D) -> Result<bool, D::Error>
where
    D: Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::Bool(flag) => Ok(flag),
        Value::Number(number) => Ok(number.as_f64().is_some_and(|n| n != 0.0)),
        Value::String(text) => match text.trim() {
            "1" | "true" => Ok(true),
            "0" | "false" | "" => Ok(false),
            _ => Err(de::Error::custom("expected 1 or 0")),
        },
        _ => Err(de::Error::custom("expected 1 or 0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_lists_apps_by_their_address() {
        let text = r#"{
            "192-168-1-44.lovense.club": {"domain": "192-168-1-44.lovense.club", "httpPort": 34567, "wsPort": 34567, "httpsPort": 34568, "wssPort": 34568, "toys": {}},
            "10-0-0-2.lovense.club": {"domain": "10-0-0-2.lovense.club", "httpPort": "20010"},
            "nowhere.lovense.club": {"httpPort": 1}
        }"#;
        let apps = parse_discovery(text).unwrap();
        assert_eq!(
            apps.iter().map(AppAddr::base_url).collect::<Vec<_>>(),
            ["http://10.0.0.2:20010", "http://192.168.1.44:34567"]
        );
        assert_eq!(parse_discovery("{}").unwrap(), []);
        for bad in
            ["[]", "not json", r#"{"1-2-3-4.x": {}}"#, r#"{"1-2-3-4.x": {"httpPort": 70000}}"#]
        {
            assert!(matches!(parse_discovery(bad), Err(Error::BadJson { .. })), "{bad}");
        }
    }

    #[test]
    fn toys_are_read_however_the_app_spells_them() {
        let text = r#"{"type": "OK", "code": 200, "data": {
            "a1": {"id": "a1", "name": "Lush", "nickName": "", "status": "1", "version": "", "battery": 60},
            "b2": {"id": "b2", "name": "Edge", "nickName": "x", "status": 0, "battery": null},
            "c3": {"id": "c3", "name": "Max", "status": true, "battery": -1},
            "d4": {"id": "d4", "name": "Nora", "status": "1", "battery": "55"}
        }}"#;
        let toys = parse_toys(text).unwrap();
        let summary: Vec<_> =
            toys.iter().map(|t| (t.id.as_str(), t.name.as_str(), t.connected, t.battery)).collect();
        assert_eq!(
            summary,
            [
                ("a1", "Lush", true, Some(60)),
                ("b2", "Edge", false, None),
                ("c3", "Max", true, None),
                ("d4", "Nora", true, Some(55)),
            ]
        );
        assert_eq!(parse_toys(r#"{"type": "OK", "code": 200, "data": null}"#).unwrap(), []);
        assert_eq!(parse_toys(r#"{"type": "OK", "code": 200}"#).unwrap(), []);
    }

    #[test]
    fn a_refusal_or_bad_json_is_an_error() {
        let refused = r#"{"type": "error", "code": 506, "message": "Server Error. Restart Lovense Connect."}"#;
        assert!(matches!(parse_toys(refused), Err(Error::App { code: 506, .. })));
        for bad in [
            "",
            "{",
            r#"{"data": {"a": {"id": "a"}}}"#,
            r#"{"data": {"a": {"id": "a", "name": "Lush", "status": "maybe"}}}"#,
        ] {
            assert!(matches!(parse_toys(bad), Err(Error::BadJson { what: TOY_LIST, .. })), "{bad}");
        }
    }

    #[test]
    fn command_replies_carry_the_apps_code() {
        assert!(check_command_reply(r#"{"type": "OK", "code": 200}"#).is_ok());
        assert!(check_command_reply(r#"{"code": "200", "type": "ok"}"#).is_ok());
        assert!(check_command_reply("OK").is_ok());
        let refused = check_command_reply(
            r#"{"type": "error", "code": 402, "message": "Toy Not Connected"}"#,
        );
        match refused {
            Err(error @ Error::App { code: 402, .. }) => {
                assert_eq!(
                    error.to_string(),
                    "the Lovense Connect app refused: 402 Toy Not Connected"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
