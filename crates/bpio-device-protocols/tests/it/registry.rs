use bpio_device_config::DeviceConfig;
use bpio_device_protocols::registry::PROTOCOLS;

#[test]
fn every_registered_protocol_is_in_the_embedded_database() {
    let config = DeviceConfig::embedded().unwrap();
    for entry in PROTOCOLS {
        assert!(config.protocol(entry.name).is_some(), "{} is not in the database", entry.name);
    }
}

#[test]
fn registry_is_sorted_and_unique() {
    let names: Vec<&str> = PROTOCOLS.iter().map(|entry| entry.name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(names, sorted);
}

#[test]
fn every_registered_protocol_has_vectors() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data");
    for entry in PROTOCOLS {
        let has_files = std::fs::read_dir(root.join(entry.name))
            .map(|dir| {
                dir.flatten().any(|file| file.path().extension().is_some_and(|e| e == "toml"))
            })
            .unwrap_or(false);
        assert!(has_files, "test_data/{}/ holds no vector file", entry.name);
    }
}
