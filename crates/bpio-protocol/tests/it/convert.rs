//! Conversion golden tests: every `test_data/convert/v<N>/*.json` case is run through the
//! translation chain and the result is compared with the sibling `.txt` snapshot.
//!
//! A case is `{"version": N, "client": [...]}` (a transmission of a vN client, translated up to
//! v4 against the devices of `test_data/convert/devices.json`) or `{"version": N, "server":
//! [...], "known": {...}}` (a transmission of v4 server messages, translated down to vN; `known`
//! is the device list the client was last told about, `devices.json` when absent). Each message
//! is printed as `> input` followed by `< output` lines. Re-bless with `UPDATE_EXPECT=1`.

use std::fmt::Write as _;

use bpio_protocol::convert::{self, AnyClientMessage};
use bpio_protocol::{SpecVersion, parse_frame, serialize_frame, split_frame, v4};
use expect_test::expect_file;
use serde_json::Value;

use crate::support::{files_in, test_data};

fn device_list(value: &Value) -> v4::DeviceList {
    serde_json::from_value(value.clone()).unwrap()
}

#[test]
fn conversion_cases_match_their_snapshots() {
    let root = test_data().join("convert");
    let devices: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("devices.json")).unwrap()).unwrap();
    let devices = device_list(&devices);
    let files: Vec<_> =
        files_in(&root, &["json"]).into_iter().filter(|f| !f.ends_with("devices.json")).collect();
    assert!(files.len() >= 40, "expected the conversion cases, found {}", files.len());
    for file in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let version = case["version"].as_u64().and_then(|v| u32::try_from(v).ok()).unwrap();
        let version = SpecVersion::from_number(version).unwrap();
        let actual = if let Some(client) = case.get("client") {
            client_case(version, client, &devices)
        } else {
            let known = case.get("known").map_or_else(|| devices.clone(), device_list);
            server_case(version, &case["server"], known)
        };
        expect_file![file.with_extension("txt")].assert_eq(&actual);
    }
}

fn client_case(version: SpecVersion, transmission: &Value, devices: &v4::DeviceList) -> String {
    let text = serde_json::to_string(transmission).unwrap();
    let mut out = String::new();
    for raw in split_frame(text.as_bytes()) {
        let raw = raw.unwrap();
        writeln!(out, "> {{\"{}\":{}}}", raw.name(), raw.body()).unwrap();
        let message = AnyClientMessage::parse(version, &raw)
            .unwrap_or_else(|err| panic!("case message does not parse: {err}"));
        match convert::client_to_v4(message, devices) {
            Ok(commands) if commands.is_empty() => writeln!(out, "< (nothing to do)").unwrap(),
            Ok(commands) => {
                for command in commands {
                    writeln!(out, "< {}", serde_json::to_string(&command).unwrap()).unwrap();
                }
            }
            Err(err) => {
                writeln!(out, "< error id={} code={}: {err}", err.id, err.code()).unwrap();
            }
        }
    }
    out
}

fn server_case(version: SpecVersion, transmission: &Value, mut known: v4::DeviceList) -> String {
    let text = serde_json::to_string(transmission).unwrap();
    let mut out = String::new();
    for message in parse_frame::<v4::ServerMessage>(text.as_bytes()) {
        let message = message.unwrap();
        writeln!(out, "> {}", serde_json::to_string(&message).unwrap()).unwrap();
        let event_list = match &message {
            v4::ServerMessage::DeviceList(list) if list.id == 0 => Some(list.clone()),
            _ => None,
        };
        let converted = convert::server_from_v4(version, message, &known);
        if converted.is_empty() {
            writeln!(out, "< (not sent)").unwrap();
        }
        for message in converted {
            writeln!(out, "< {}", serialize_frame(&[message])).unwrap();
        }
        if let Some(list) = event_list {
            known = list;
        }
    }
    out
}
