//! The embedded database: it loads, round-trips, and equals what the importer generates.

use bpio_device_config::embedded::{self, GENERATED_NOTE};
use bpio_device_config::{BaseDatabase, DeviceConfig};

use crate::support::V5;

#[test]
fn embedded_database_loads_with_the_v5_counts() {
    let db = BaseDatabase::embedded().unwrap();
    assert_eq!(db.protocols().len(), 149);
    assert_eq!(db.configuration_count(), 806);
    assert_eq!((db.version().major, db.version().minor), (5, 57));
}

#[test]
fn embedded_database_equals_the_public_v5_model() {
    let embedded = BaseDatabase::embedded().unwrap();
    let public = BaseDatabase::from_json(V5).unwrap();
    assert_eq!(embedded.protocols(), public.protocols());
}

#[test]
fn configurations_without_features_share_their_defaults_list() {
    let db = BaseDatabase::embedded().unwrap();
    let mut shared = 0;
    for protocol in db.protocols() {
        for configuration in protocol.configurations.iter().filter(|c| c.inherited.features) {
            let defaults = protocol.defaults.as_ref().unwrap();
            assert!(std::sync::Arc::ptr_eq(&configuration.features, &defaults.features));
            shared += 1;
        }
    }
    assert!(shared > 300, "{shared}");
}

#[test]
fn every_embedded_file_round_trips() {
    for (name, text) in embedded::embedded_files().unwrap() {
        let protocol = embedded::parse_protocol_file(&name, &text).unwrap();
        assert_eq!(embedded::render_protocol_file(&protocol), text, "{name}");
        assert!(text.starts_with(&format!("{{\"//\": \"{GENERATED_NOTE}\"")), "{name}");
    }
}

#[test]
fn the_compiled_in_files_are_the_files_of_db() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("db");
    let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    on_disk.sort();
    let compiled_in = embedded::embedded_files().unwrap();
    let names = |files: &[(String, String)]| -> Vec<String> {
        files.iter().map(|(name, _)| name.clone()).collect()
    };
    assert_eq!(names(&compiled_in), names(&on_disk));
    for ((name, text), (_, file)) in compiled_in.iter().zip(&on_disk) {
        assert!(text == file, "{name}.json differs from what was compiled in");
    }
}

#[test]
fn committed_files_equal_the_importer_output() {
    let generated = embedded::generate(V5).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for file in &generated {
        let committed = std::fs::read_to_string(root.join(&file.path)).unwrap_or_default();
        if committed != file.contents {
            stale.push(file.path.clone());
        }
    }
    let on_disk = std::fs::read_dir(root.join("db")).unwrap().count();
    assert_eq!(on_disk, generated.len() - 1, "db/ holds exactly the generated files");
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo xtask import-device-db`): {stale:?}"
    );
}

#[test]
fn embedded_config_matches_devices() {
    let config = DeviceConfig::embedded().unwrap();
    let seen = bpio_device_config::Advertisement::Btle {
        name: "LVS-Gush",
        manufacturer_data: &[],
        services: &[],
    };
    assert_eq!(config.find(&seen, "a").unwrap().protocol, "lovense");
}

#[test]
fn embedded_files_spell_types_in_snake_case_only() {
    let file = |outputs: &str, inputs: &str| {
        format!(
            r#"{{"//": "{GENERATED_NOTE}", "protocol": "p", "defaults": {{"name": "P", "id": "3f7a25a5-df21-42ca-bf9f-d1c52df1f37e", "features": [
              {{"index": 0, "id": "14bd7637-13ed-49ba-9eb9-9c8ba9abec20", "outputs": {{{outputs}}}, "inputs": {{{inputs}}}}}]}}}}"#
        )
    };
    let ok = file(
        r#""hw_position_with_duration": {"value": [0, 99], "duration": [0, 500]}"#,
        r#""battery": {"values": [[0, 100]], "commands": ["Read"]}"#,
    );
    let protocol = embedded::parse_protocol_file("p", &ok).unwrap();
    let features = &protocol.defaults.as_ref().unwrap().features;
    let wire = bpio_device_config::features_to_protocol(features);
    assert!(wire[&0].output.as_ref().unwrap().hw_position_with_duration.is_some());
    assert!(wire[&0].input.as_ref().unwrap().battery.is_some());
    let wire_spelling = file(r#""Vibrate": {"value": [0, 20]}"#, "");
    assert!(embedded::parse_protocol_file("p", &wire_spelling).is_err());
    let wire_spelling = file("", r#""Battery": {"values": [[0, 100]], "commands": ["Read"]}"#);
    assert!(embedded::parse_protocol_file("p", &wire_spelling).is_err());
}
