//! Loading the public databases: counts, duplicates, odd ranges.

use bpio_device_config::{BaseDatabase, Specifier, Version, Warning};

use crate::support::{V4, V5, v5};

#[test]
fn v5_has_149_protocols_and_806_configurations() {
    let db = BaseDatabase::from_json(V5).unwrap();
    assert_eq!(db.version(), Version { major: 5, minor: 57 });
    assert_eq!(db.protocols().len(), 149);
    assert_eq!(db.configuration_count(), 806);
}

#[test]
fn v4_has_139_protocols_and_733_configurations() {
    let db = BaseDatabase::from_json(V4).unwrap();
    assert_eq!(db.version(), Version { major: 4, minor: 189 });
    assert_eq!(db.protocols().len(), 139);
    assert_eq!(db.configuration_count(), 733);
    // 4.189's sexverse-v5 spells the key `configuration`; it is ignored (docs/DEVICE_CONFIG.md
    // 1, rule 4).
    assert!(db.protocol("sexverse-v5").unwrap().configurations.is_empty());
}

#[test]
fn duplicates_load_with_one_warning_each() {
    let db = BaseDatabase::from_json(V5).unwrap();
    let ids: Vec<String> = db
        .warnings()
        .iter()
        .filter_map(|w| match w {
            Warning::DuplicateDefinitionId { id, .. } => Some(id.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        ids,
        [
            "0a9c43fb-2d58-4af9-aef2-60f48c6e7707",
            "0e1f9fe7-22d9-4afb-9fe5-192b8e5508c3",
            "45648a20-cb18-43a0-9d6c-8bc4ed63ef63",
            "a44eef0e-b412-44d0-9545-a4b7b0298514",
            "aa161c35-4074-441d-8277-d56cf56f3610",
        ]
    );
    let identifiers: Vec<(String, String)> = db
        .warnings()
        .iter()
        .filter_map(|w| match w {
            Warning::DuplicateIdentifier { protocol, identifier, count: 2 } => {
                Some((protocol.clone(), identifier.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(identifiers.len(), 9, "{identifiers:?}");
    assert!(identifiers.contains(&("libo-vibes".into(), "Yuyi".into())));
    let features =
        db.warnings().iter().filter(|w| matches!(w, Warning::DuplicateFeatureId { .. })).count();
    assert_eq!(features, 1);
}

#[test]
fn duplicate_identifier_resolves_to_the_last_listing() {
    let config = v5();
    let resolved = config.resolve("addr", "libo-vibes", Some("Yuyi")).unwrap();
    assert_eq!(resolved.name(), "Libo Feather");
    let resolved = config.resolve("addr", "sexverse-v4", Some("BC1847")).unwrap();
    assert_eq!(resolved.name(), "Sexverse Dark Knight");
}

#[test]
fn odd_ranges_and_extra_output_keys_load() {
    let config = v5();
    let umove = config.protocol("umove").unwrap().defaults.as_ref().unwrap();
    let temperature = umove.features[2].outputs.values().next().unwrap();
    assert_eq!((temperature.value.min(), temperature.value.max()), (37, 42));
    assert_eq!(temperature.advertised_value(), bpio_protocol::v4::Range::new(0, 42));
    assert!(config.protocol("ossm").unwrap().defaults.is_some());
}

#[test]
fn both_game_controller_spellings_load() {
    let config = v5();
    assert_eq!(config.protocol("xinput").unwrap().communication, [Specifier::Xinput]);
    assert_eq!(config.protocol("sdl-gamepad").unwrap().communication, [Specifier::SdlGamepad]);
    let v4 = BaseDatabase::from_json(V4).unwrap();
    assert_eq!(v4.protocol("xinput").unwrap().communication, [Specifier::Xinput]);
}

#[test]
fn configurations_inherit_defaults() {
    let config = v5();
    let big_heat = config.resolve("a", "satisfyer", Some("10007")).unwrap();
    assert_eq!(big_heat.name(), "Satisfyer Big Heat");
    let defaults = config.protocol("satisfyer").unwrap().defaults.as_ref().unwrap();
    assert_eq!(big_heat.definition.features, defaults.features);
    assert!(big_heat.definition.inherited.features);
    let handy = config.resolve("a", "thehandy-v3", None).unwrap();
    assert_eq!(handy.message_gap_ms(), Some(50));
}
