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
fn every_embedded_file_round_trips() {
    for (name, text) in embedded::embedded_files() {
        let protocol = embedded::parse_protocol_file(name, text).unwrap();
        assert_eq!(embedded::render_protocol_file(&protocol), *text, "{name}");
        assert!(text.starts_with(&format!("{{\"//\": \"{GENERATED_NOTE}\"")), "{name}");
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
