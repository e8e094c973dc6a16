//! User configuration: records, limits, allow/deny, index reservation and saving.

use bpio_device_config::{
    Advertisement, BaseDatabase, DeviceConfig, DeviceKey, Error, Source, Specifier, UserConfig,
    UserConfigDocument, Uuid, Warning, read_file, write_atomic,
};
use bpio_protocol::v4::OutputType;
use proptest::prelude::*;

use crate::support::{USER_V4, v5};

/// docs/DEVICE_CONFIG.md 5.5 and 6.7: a base protocol and a user record with limits.
const EXAMPLE_BASE: &str = r#"{"version": {"major": 4, "minor": 0}, "protocols": {"example-proto": {
  "communication": [{"btle": {"names": ["ExampleToy", "EXT-*"], "services": {"0000fff0-0000-1000-8000-00805f9b34fb": {"tx": "0000fff2-0000-1000-8000-00805f9b34fb"}}}}],
  "defaults": {"name": "Example Device", "id": "0b0c8a52-3f6e-4d5b-9d0e-1a2b3c4d5e6f",
    "features": [{"index": 0, "id": "5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "description": "Main Vibrator", "output": {"vibrate": {"value": [0, 20]}}}]},
  "configurations": [{"identifier": ["EXT-RABBIT"], "name": "Example Rabbit", "id": "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
    "features": [
      {"index": 0, "id": "11111111-2222-4333-8444-555555555555", "description": "Shaft Vibrator", "output": {"vibrate": {"value": [0, 20]}}},
      {"index": 1, "id": "66666666-7777-4888-9999-aaaaaaaaaaaa", "description": "Rotating Beads", "output": {"rotate": {"value": [-10, 10]}}},
      {"index": 2, "id": "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff", "description": "Battery", "input": {"battery": {"value": [[0, 100]], "command": ["Read"]}}}]}]}}}"#;

fn example_user(vibrate_limit: &str) -> String {
    format!(
        r#"{{"version": {{"major": 4, "minor": 0}}, "user_configs": {{
  "protocols": {{"example-proto": {{"communication": [{{"serial": {{"port": "/dev/ttyACM0", "baud_rate": 115200, "data_bits": 8, "parity": "N", "stop_bits": 1}}}}]}}}},
  "devices": [{{"identifier": {{"address": "AA:BB:CC:DD:EE:FF", "protocol": "example-proto", "identifier": "EXT-RABBIT"}},
    "config": {{"id": "c0ffee00-1234-4567-89ab-cdef01234567", "base_id": "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d",
      "features": [
        {{"id": "d1d1d1d1-0000-4000-8000-000000000001", "base_id": "11111111-2222-4333-8444-555555555555", "output": {{"vibrate": {{"value": {vibrate_limit}}}}}}},
        {{"id": "d1d1d1d1-0000-4000-8000-000000000002", "base_id": "66666666-7777-4888-9999-aaaaaaaaaaaa", "output": {{"rotate": {{"disabled": true}}}}}},
        {{"id": "d1d1d1d1-0000-4000-8000-000000000003", "base_id": "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"}}],
      "user_config": {{"allow": false, "deny": false, "index": 2, "display_name": "Bedside rabbit", "message_gap_ms": 30}}}}}}]}}}}"#
    )
}

fn example() -> DeviceConfig {
    let mut config = DeviceConfig::new(BaseDatabase::from_json(EXAMPLE_BASE).unwrap());
    let warnings = config.apply_user_json(&example_user("[4, 16]")).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

#[test]
fn specifiers_list_the_user_rules_first() {
    let config = example();
    let mut rules = config.specifiers().map(Specifier::public_key);
    assert_eq!(rules.next(), Some("serial"), "the user's serial port");
    assert_eq!(rules.next(), Some("btle"), "the base rule");
    assert_eq!(rules.next(), None);
    let port = config.specifiers().find_map(|rule| match rule {
        Specifier::Serial(serial) => Some(serial.port.as_str()),
        _ => None,
    });
    assert_eq!(port, Some("/dev/ttyACM0"));
}

#[test]
fn example_record_applies_limits_name_index_and_gap() {
    let config = example();
    let resolved =
        config.resolve("AA:BB:CC:DD:EE:FF", "example-proto", Some("EXT-RABBIT")).unwrap();
    assert_eq!(resolved.source, Source::UserRecord);
    assert_eq!(
        (resolved.name(), resolved.display_name(), resolved.index()),
        ("Example Rabbit", Some("Bedside rabbit"), Some(2))
    );
    assert_eq!(resolved.timing_gap_ms(75), 30);
    let vibrate = &resolved.definition.features[0].outputs.get(&OutputType::Vibrate).unwrap();
    assert_eq!(vibrate.advertised_value(), bpio_protocol::v4::Range::new(0, 12));
    assert_eq!(vibrate.hardware_value(OutputType::Vibrate, 1), 5);
    assert_eq!(vibrate.hardware_value(OutputType::Vibrate, 12), 16);
    assert_eq!(vibrate.hardware_value(OutputType::Vibrate, 0), 0);
    let device = serde_json::to_value(resolved.to_protocol_device(2, 30)).unwrap();
    assert_eq!(device["DeviceDisplayName"], "Bedside rabbit");
    assert_eq!(
        device["DeviceFeatures"]["0"]["Output"]["Vibrate"]["Value"],
        serde_json::json!([0, 12])
    );
    assert!(device["DeviceFeatures"].get("1").is_none(), "the disabled rotator is hidden");
    assert_eq!(
        device["DeviceFeatures"]["2"]["Input"]["Battery"]["Value"],
        serde_json::json!([[0, 100]])
    );
    // Another device of the same model gets the unlimited base definition.
    let other = config.resolve("11:22", "example-proto", Some("EXT-RABBIT")).unwrap();
    assert_eq!(other.source, Source::Configuration);
    assert_eq!(
        other.definition.features[0].outputs.get(&OutputType::Vibrate).unwrap().advertised_value(),
        bpio_protocol::v4::Range::new(0, 20)
    );
}

#[test]
fn user_serial_rule_makes_the_protocol_a_candidate_first() {
    let config = example();
    let candidates = config.candidates(&Advertisement::Serial { port: "/dev/ttyACM0" });
    assert_eq!(candidates.len(), 1);
    assert_eq!(
        (candidates[0].protocol, candidates[0].layer),
        ("example-proto", bpio_device_config::Layer::User)
    );
}

#[test]
fn limit_outside_the_base_range_drops_only_that_record() {
    for bad in ["[4, 21]", "[-1, 5]", "[9, 3]"] {
        let mut config = DeviceConfig::new(BaseDatabase::from_json(EXAMPLE_BASE).unwrap());
        let warnings = config.apply_user_json(&example_user(bad)).unwrap();
        assert!(matches!(warnings, [Warning::DroppedRecord(_)]), "{bad}: {warnings:?}");
        let resolved =
            config.resolve("AA:BB:CC:DD:EE:FF", "example-proto", Some("EXT-RABBIT")).unwrap();
        assert_eq!(resolved.source, Source::Configuration, "{bad}");
    }
}

#[test]
fn bad_user_config_keeps_the_base_and_the_previous_user_config() {
    let mut config = example();
    let error = config
        .apply_user_json(r#"{"version": {"major": 5, "minor": 0}, "user_configs": {"devices": 3}}"#)
        .unwrap_err();
    assert!(matches!(error, Error::Malformed { .. }), "{error:?}");
    assert!(config.apply_user_json("not json").is_err());
    let resolved =
        config.resolve("AA:BB:CC:DD:EE:FF", "example-proto", Some("EXT-RABBIT")).unwrap();
    assert_eq!(resolved.display_name(), Some("Bedside rabbit"));
    assert!(config.protocol("example-proto").is_some());
}

#[test]
fn example_user_file_loads_against_v5() {
    let user = UserConfig::from_json(USER_V4).unwrap();
    assert_eq!(user.version.map(|v| v.major), Some(4));
    assert_eq!(user.devices.len(), 1);
    let mut config = v5();
    assert!(config.apply_user_json(USER_V4).unwrap().is_empty());
    let address = "PeripheralId(81b8f016-ba95-e1ae-3a71-a2e6b1d83b21)";
    let resolved = config.resolve(address, "lovense", Some("EL")).unwrap();
    assert_eq!(
        (resolved.source, resolved.name(), resolved.index()),
        (Source::UserRecord, "Lovense Ridge", Some(0))
    );
    assert_eq!(resolved.definition.id.to_string(), "5d434198-4697-4b00-985e-33788fc955d1");
    assert_eq!(config.next_free_index(), 1);
}

#[test]
fn allow_and_deny_lists() {
    let deny = r#"{"version": {"major": 5, "minor": 0}, "user_configs": {"devices": [
      {"identifier": {"address": "bad", "protocol": "lovense", "identifier": "EL"}, "config": {"id": "5d434198-4697-4b00-985e-33788fc955d1",
       "base_id": "bbfd764c-b419-4c13-aeb0-e753a86318ed", "features": [
         {"id": "16099312-8bf8-45f7-9a37-9c56ffd972ae", "base_id": "0627be5e-8553-4f20-b4cf-15f5e1896e5f"},
         {"id": "c82ea967-3014-49ef-8189-e7e065c4bdbf", "base_id": "360d81e7-5126-4dbb-b72d-7bb60eb67400"},
         {"id": "3ad9adee-8c32-408f-8e8c-4a275bb9421c", "base_id": "50b9b31f-c2a8-459a-81fd-c54604f5184e"}],
       "user_config": {"allow": false, "deny": true, "index": 0}}}]}}"#;
    let mut config = v5();
    config.apply_user_json(deny).unwrap();
    let lush = Advertisement::Btle { name: "LVS-Lush", manufacturer_data: &[], services: &[] };
    assert!(!config.is_allowed("bad"));
    assert!(config.find(&lush, "bad").is_none());
    assert!(config.find(&lush, "good").is_some());
    config
        .apply_user_json(
            &deny.replace(r#""allow": false, "deny": true"#, r#""allow": true, "deny": false"#),
        )
        .unwrap();
    assert!(config.is_allowed("bad"));
    assert!(!config.is_allowed("good"), "a non-empty allow list excludes everything else");
}

#[test]
fn remember_reserves_the_next_free_index() {
    let mut config = v5();
    config.apply_user_json(USER_V4).unwrap();
    let mut counter = 0_u128;
    let mut new_id = || {
        counter += 1;
        Uuid::from_u128(counter)
    };
    let key = DeviceKey {
        address: "addr-1".into(),
        protocol: "wevibe".into(),
        identifier: Some("Jive".into()),
    };
    let record = config.remember(&key, &mut new_id).unwrap().clone();
    assert_eq!(record.settings.index, 1);
    assert_eq!(record.features.len(), 1);
    let resolved = config.resolve("addr-1", "wevibe", Some("Jive")).unwrap();
    assert_eq!(
        (resolved.source, resolved.index(), resolved.name()),
        (Source::UserRecord, Some(1), "WeVibe Jive")
    );
    assert_eq!(config.next_free_index(), 2);
}

#[test]
fn saving_keeps_fields_it_does_not_own_and_writes_atomically() {
    // Hand edits the schema allows: a user protocol with keys we ignore, a feature description,
    // an unknown key inside an output object.
    let hand_edited = USER_V4
        .replacen(
            "\"protocols\": {}",
            r#""protocols": {"lovense": {"defaults": {"note": "mine"}, "communication": [{"websocket": {"name": "my-lush"}}]}}"#,
            1,
        )
        .replacen("\"disabled\": false", "\"disabled\": false, \"reverse_position\": true", 1)
        .replacen(
            "\"base_id\": \"50b9b31f",
            "\"description\": \"my battery\", \"base_id\": \"50b9b31f",
            1,
        );
    let mut document = UserConfigDocument::from_json(&hand_edited).unwrap();
    let mut config = v5();
    config.apply_user_json(&hand_edited).unwrap();
    let key = DeviceKey {
        address: "addr-2".into(),
        protocol: "wevibe".into(),
        identifier: Some("Rave".into()),
    };
    let mut next = 100_u128;
    let record = config
        .remember(&key, || {
            next += 1;
            Uuid::from_u128(next)
        })
        .unwrap()
        .clone();
    document.upsert_record(&record);
    let existing = config.user_config().devices[0].clone();
    document.upsert_record(&existing);

    let dir = std::env::temp_dir().join(format!("bpio-device-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("user.json");
    write_atomic(&path, &document.to_json()).unwrap();
    let saved = read_file(&path).unwrap();
    let leftovers: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, [std::ffi::OsString::from("user.json")]);
    std::fs::remove_dir_all(&dir).unwrap();

    let value: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(value["version"]["major"], 4, "the file keeps its format");
    assert_eq!(value["user_configs"]["protocols"]["lovense"]["defaults"]["note"], "mine");
    let first = &value["user_configs"]["devices"][0]["config"]["features"];
    assert_eq!(first[0]["output"]["vibrate"]["reverse_position"], true);
    assert_eq!(first[2]["description"], "my battery");
    let reloaded = UserConfig::from_json(&saved).unwrap();
    assert_eq!(reloaded.devices.len(), 2);
    assert_eq!(reloaded.devices[0], existing);
    assert_eq!(reloaded.devices[1], record);
}

#[test]
fn saving_a_record_keeps_the_records_unknown_keys() {
    let mut document = UserConfigDocument::from_json(USER_V4).unwrap();
    let mut record = UserConfig::from_json(USER_V4).unwrap().devices.remove(0);
    record.settings.display_name = Some("Ridge".into());
    document.upsert_record(&record);
    let text = document.to_json();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let devices = value["user_configs"]["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["config"]["user_config"]["display_name"], "Ridge");
    assert_eq!(value["user_configs"]["protocols"], serde_json::json!({}));
}

fn check_limit(base_max: i32, lo: i32, span: i32, value: i64) -> Result<(), TestCaseError> {
    use bpio_device_config::{ConfigRange, advertised_range, hardware_value};
    let hi = (lo + span).min(base_max);
    let base = ConfigRange::new(-base_max, base_max).unwrap();
    let limit = ConfigRange::new(lo.min(hi), hi).unwrap();
    let advertised = advertised_range(base, Some(limit)).unwrap();
    prop_assert_eq!(advertised.max(), limit.max() - limit.min());
    prop_assert_eq!(advertised.min(), -advertised.max());
    let value = value.clamp(i64::from(advertised.min()), i64::from(advertised.max()));
    let raw = hardware_value(OutputType::Rotate, base, Some(limit), false, value);
    if value == 0 {
        prop_assert_eq!(raw, 0);
    } else {
        prop_assert!(raw.abs() >= i64::from(limit.min()) && raw.abs() <= i64::from(limit.max()));
        prop_assert_eq!(raw.signum(), value.signum());
    }
    let position = hardware_value(OutputType::Position, base, Some(limit), true, value.abs());
    prop_assert!(position >= i64::from(limit.min()) && position <= i64::from(limit.max()));
    Ok(())
}

proptest! {
    #[test]
    fn limited_values_stay_inside_the_limit(base_max in 1..1000_i32, lo in 0..1000_i32, span in 0..1000_i32, value in -2000..2000_i64) {
        check_limit(base_max, lo.min(base_max), span, value)?;
    }
}

#[test]
fn btle_specifiers_cover_the_user_config_and_the_base() {
    let mut config = example();
    let names = |config: &DeviceConfig| -> Vec<String> {
        config.btle_specifiers().flat_map(|btle| btle.names.clone()).collect()
    };
    // The example user config adds a serial specifier only.
    assert_eq!(names(&config), ["ExampleToy", "EXT-*"]);
    let user = r#"{"version": {"major": 5, "minor": 0}, "user_configs": {"protocols": {"diy-toy": {"communication": [
      {"btle": {"names": ["MyToy"], "advertised_services": ["0000fff0-0000-1000-8000-00805f9b34fb"],
                "services": {"0000fff0-0000-1000-8000-00805f9b34fb": {"tx": "0000fff2-0000-1000-8000-00805f9b34fb"}}}}]}}}}"#;
    assert!(config.apply_user_json(user).unwrap().is_empty());
    assert_eq!(names(&config), ["MyToy", "ExampleToy", "EXT-*"]);
    let services: Vec<Uuid> =
        config.btle_specifiers().flat_map(|btle| btle.advertised_services.clone()).collect();
    assert_eq!(services, ["0000fff0-0000-1000-8000-00805f9b34fb".parse::<Uuid>().unwrap()]);
}

/// docs/DEVICE_CONFIG.md rule I across layers: a user configuration listing a base identifier
/// wins over the base one, a new identifier of its own resolves to it, and an identifier no
/// one lists falls back to the protocol's defaults.
#[test]
fn a_user_configuration_wins_the_identifiers_it_lists() {
    let mut config = DeviceConfig::new(BaseDatabase::from_json(EXAMPLE_BASE).unwrap());
    let user = r#"{"version": {"major": 4, "minor": 0}, "user_configs": {"protocols": {"example-proto": {
      "configurations": [{"identifier": ["EXT-RABBIT", "EXT-OWN"], "name": "User Rabbit",
        "id": "0a0a0a0a-1111-4222-8333-444444444444"}]}}}}"#;
    assert_eq!(
        config.resolve("addr", "example-proto", Some("EXT-RABBIT")).unwrap().name(),
        "Example Rabbit"
    );
    let warnings = config.apply_user_json(user).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    for identifier in ["EXT-RABBIT", "EXT-OWN"] {
        let resolved = config.resolve("addr", "example-proto", Some(identifier)).unwrap();
        assert_eq!((resolved.name(), resolved.source), ("User Rabbit", Source::Configuration));
    }
    let resolved = config.resolve("addr", "example-proto", Some("EXT-OTHER")).unwrap();
    assert_eq!((resolved.name(), resolved.source), ("Example Device", Source::Defaults));
}
