use bpio_device_config::{DeviceConfig, Specifier};
use bpio_device_protocols::registry::PROTOCOLS;
use bpio_device_protocols::{DeviceInfo, ProtocolDevice};
use bpio_hardware::{CompanyData, Endpoint, Transport};

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

/// What a backend observes of a device its protocol's first specifier recognises: every endpoint
/// the specifier names, and its manufacturer data (empty bytes where it leaves them open).
fn observed(specifier: Option<&Specifier>) -> (Vec<Endpoint>, Vec<(u16, Vec<u8>)>) {
    let Some(Specifier::Btle(btle)) = specifier else {
        return (Vec::new(), Vec::new());
    };
    let endpoints = btle.services.values().flat_map(|endpoints| endpoints.keys().copied());
    let companies = btle
        .manufacturer_data
        .iter()
        .map(|entry| (entry.company, entry.data.clone().unwrap_or_default()));
    (endpoints.collect(), companies.collect())
}

/// Protocols that refuse a device known only by their defaults: vorze-sa lays out its bytes by
/// model, and a device whose name fits no model is refused (as the reference refuses it).
const DEFAULTS_REFUSED: &[&str] = &["vorze-sa"];

/// Every configuration of every registered protocol is served by it: `configure` takes the
/// definition, and a device identified as one of its identifiers resolves to it, or to a later
/// configuration listing the same identifier (the public file repeats a few; the last listing
/// wins, docs/DEVICE_CONFIG.md rule I). Definitions are told apart by identity: the public file
/// repeats a few ids too.
#[test]
fn every_configuration_of_a_registered_protocol_is_served() {
    let config = DeviceConfig::embedded().unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for entry in PROTOCOLS {
        let protocol = config.protocol(entry.name).unwrap();
        let specifier = protocol.communication.first();
        let transport = specifier.map_or(Transport::Btle, Specifier::transport);
        let (endpoints, companies) = observed(specifier);
        let manufacturer_data: Vec<CompanyData<'_>> = companies
            .iter()
            .map(|(company, data)| CompanyData { company: *company, data })
            .collect();
        let definitions: Vec<_> =
            protocol.defaults.iter().chain(&protocol.configurations).collect();
        for (at, definition) in definitions.iter().enumerate() {
            let name = definition.identifiers.first().map_or("", String::as_str);
            let info = DeviceInfo {
                endpoints: &endpoints,
                manufacturer_data: &manufacturer_data,
                ..DeviceInfo::new(name, transport)
            };
            let mut device = ProtocolDevice::new(entry.name, &info).unwrap();
            let refused_defaults =
                at == 0 && protocol.defaults.is_some() && DEFAULTS_REFUSED.contains(&entry.name);
            match device.configure(definition) {
                Err(error) if !refused_defaults => problems
                    .push(format!("{}: {}: configure: {error}", entry.name, definition.name)),
                Ok(()) if refused_defaults => problems.push(format!(
                    "{}: now serves its defaults: remove it from DEFAULTS_REFUSED",
                    entry.name
                )),
                _ => {}
            }
            for identifier in &definition.identifiers {
                let resolved = config.resolve("address", entry.name, Some(identifier));
                let position = resolved.and_then(|resolved| {
                    definitions.iter().position(|other| std::ptr::eq(*other, resolved.definition))
                });
                let served = match (resolved, position) {
                    (Some(resolved), Some(position)) => {
                        position == at
                            || (position > at
                                && resolved.definition.identifiers.contains(identifier))
                    }
                    _ => false,
                };
                if !served {
                    problems.push(format!(
                        "{}: identifier {identifier} resolves to {:?}, not {}",
                        entry.name,
                        resolved.map(|resolved| resolved.name()),
                        definition.name
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked > PROTOCOLS.len(), "only {checked} definitions checked");
}
