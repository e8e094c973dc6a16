//! Malformed files are rejected with an error naming the protocol, device and field.

use bpio_device_config::{BaseDatabase, Error, FileKind, Problem, RangeError, Strictness, Warning};

fn base_with_feature(feature: &str) -> String {
    format!(
        r#"{{"version": {{"major": 5, "minor": 0}}, "protocols": {{"toy": {{
            "communication": [{{"btle": {{"names": ["Toy"], "services": {{"0000fff0-0000-1000-8000-00805f9b34fb": {{"tx": "0000fff2-0000-1000-8000-00805f9b34fb"}}}}}}}}],
            "defaults": {{"name": "Toy Device", "id": "0b0c8a52-3f6e-4d5b-9d0e-1a2b3c4d5e6f", "features": []}},
            "configurations": [{{"identifier": ["Toy"], "name": "Toy Rabbit", "id": "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
              "features": [{feature}]}}]}}}}}}"#
    )
}

fn error_text(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[test]
fn bad_json_is_rejected() {
    let error = BaseDatabase::from_json("{\"version\": ").unwrap_err();
    assert!(matches!(error, Error::Json { file: FileKind::Base, .. }), "{error:?}");
}

#[test]
fn unsupported_major_is_rejected() {
    let error = BaseDatabase::from_json(r#"{"version": {"major": 6, "minor": 0}}"#).unwrap_err();
    assert!(matches!(error, Error::UnsupportedVersion { major: 6, .. }), "{error:?}");
    assert!(
        BaseDatabase::from_json(r#"{"version": {"major": 4, "minor": 0}}"#)
            .unwrap()
            .protocols()
            .is_empty()
    );
}

#[test]
fn wrong_type_names_protocol_device_and_field() {
    let text = base_with_feature(
        r#"{"index": 0, "id": "11111111-2222-4333-8444-555555555555", "output": {"vibrate": {"value": [0, "20"]}}}"#,
    );
    let error = BaseDatabase::from_json(&text).unwrap_err();
    let Error::Malformed { location, .. } = &error else { panic!("{error:?}") };
    assert_eq!(location.protocol.as_deref(), Some("toy"));
    assert_eq!(location.device.as_deref(), Some("Toy Rabbit"));
    assert_eq!(location.field, "features[0].output.vibrate.value[1]");
    let text = error_text(&error);
    assert!(
        text.contains(
            "protocol `toy`, device `Toy Rabbit`, field `features[0].output.vibrate.value[1]`"
        ),
        "{text}"
    );
}

#[test]
fn unknown_output_type_is_rejected() {
    let text = base_with_feature(
        r#"{"index": 0, "id": "11111111-2222-4333-8444-555555555555", "output": {"squirt": {"value": [0, 20]}}}"#,
    );
    let error = BaseDatabase::from_json(&text).unwrap_err();
    let text = error_text(&error);
    assert!(
        text.contains("protocol `toy`, device `Toy Rabbit`, field `features[0].output"),
        "{text}"
    );
    assert!(text.contains("squirt"), "{text}");
}

#[test]
fn missing_duration_is_rejected() {
    let text = base_with_feature(
        r#"{"index": 0, "id": "11111111-2222-4333-8444-555555555555", "output": {"hw_position_with_duration": {"value": [0, 100]}}}"#,
    );
    let error = BaseDatabase::from_json(&text).unwrap_err();
    let Error::Invalid { location, problem: Problem::Missing } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(location.field, "features[0].output.hw_position_with_duration.duration");
}

#[test]
fn reversed_range_skips_the_definition_or_rejects_when_strict() {
    let text = base_with_feature(
        r#"{"index": 0, "id": "11111111-2222-4333-8444-555555555555", "output": {"vibrate": {"value": [20, 0]}}}"#,
    );
    let db = BaseDatabase::from_json(&text).unwrap();
    assert!(db.protocol("toy").unwrap().configurations.is_empty());
    assert!(db.protocol("toy").unwrap().defaults.is_some());
    let skipped: Vec<_> =
        db.warnings().iter().filter(|w| matches!(w, Warning::SkippedDefinition(_))).collect();
    assert_eq!(skipped.len(), 1);
    let error =
        BaseDatabase::from_json_with(&text, Strictness::RejectInvalidDefinitions).unwrap_err();
    let Error::Invalid { location, problem } = &error else { panic!("{error:?}") };
    assert_eq!(*problem, Problem::Range(RangeError::MinAboveMax { min: 20, max: 0 }));
    assert_eq!(
        (location.device.as_deref(), location.field.as_str()),
        (Some("Toy Rabbit"), "features[0].output.vibrate.value")
    );
}

#[test]
fn bad_uuid_and_several_specifier_keys_are_rejected() {
    let text = base_with_feature(r#"{"index": 0, "id": "NOT-A-UUID"}"#);
    let error = BaseDatabase::from_json(&text).unwrap_err();
    let Error::Malformed { location, .. } = &error else { panic!("{error:?}") };
    assert_eq!(location.field, "features[0].id");
    let text = r#"{"version": {"major": 5, "minor": 0}, "protocols": {"toy": {"communication": [
        {"serial": {"port": "x", "baud_rate": 1, "data_bits": 8, "parity": "N", "stop_bits": 1}, "websocket": {"name": "x"}}]}}}"#;
    let error = BaseDatabase::from_json(text).unwrap_err();
    let Error::Malformed { location, source } = &error else { panic!("{error:?}") };
    assert_eq!(
        (location.protocol.as_deref(), location.field.as_str()),
        (Some("toy"), "communication[0]")
    );
    assert!(source.to_string().contains("exactly one key"), "{source}");
}

#[test]
fn unknown_specifier_is_skipped_with_a_warning() {
    let text = r#"{"version": {"major": 5, "minor": 0}, "protocols": {"toy": {"communication": [
        {"carrier_pigeon": {"exists": true}}, {"websocket": {"name": "toy"}}]}}}"#;
    let db = BaseDatabase::from_json(text).unwrap();
    assert_eq!(db.protocol("toy").unwrap().communication.len(), 1);
    assert!(
        db.warnings()
            .iter()
            .any(|w| matches!(w, Warning::UnknownSpecifier { key, .. } if key == "carrier_pigeon"))
    );
}
