//! Every configuration of the protocols that identify a device by its advertised name is
//! reachable: a device advertising one of a configuration's identifiers (Cueme: as part of its
//! name) identifies as it, without identification steps, and the protocol accepts its
//! definition (and the defaults).

use bpio_device_config::DeviceConfig;
use bpio_device_protocols::{DeviceInfo, ProtocolDevice, ProtocolError, Step};
use bpio_hardware::Transport;

/// The protocols whose identifier is the advertised name or a part of it.
const BY_NAME: &[&str] = &[
    "amorelie-joy",
    "cueme",
    "kiiroo-v2-vibrator",
    "kiiroo-v21",
    "kiiroo-v21-initialized",
    "lovedistance",
    "magic-motion-1",
    "magic-motion-2",
    "magic-motion-4",
    "mysteryvibe",
    "mysteryvibe-v2",
    "pink_punch",
    "sakuraneko",
    "sensee-v2",
    "vibcrafter",
    "vibio",
    "vorze-sa",
];

/// The advertised name under which a device shows `identifier`.
fn advertised_name(protocol: &str, identifier: &str) -> String {
    match protocol {
        "cueme" => format!("FUNCODE_12AB_{identifier}"),
        _ => identifier.to_owned(),
    }
}

fn identify(protocol: &str, name: &str) -> ProtocolDevice {
    let info = DeviceInfo { name, transport: Transport::Btle };
    let mut device = ProtocolDevice::new(protocol, &info).unwrap();
    assert_eq!(device.poll_step().unwrap(), Step::Done, "{protocol}: identification has no steps");
    device
}

#[test]
fn every_configuration_is_identified_and_accepted() {
    let config = DeviceConfig::embedded().unwrap();
    for protocol in BY_NAME {
        let entry = config.protocol(protocol).unwrap();
        assert!(!entry.configurations.is_empty(), "{protocol} has configurations");
        for model in &entry.configurations {
            for identifier in &model.identifiers {
                let mut device = identify(protocol, &advertised_name(protocol, identifier));
                assert_eq!(device.identifier(), Some(identifier.as_str()));
                let resolved = config.resolve("address", protocol, device.identifier()).unwrap();
                assert_eq!(resolved.definition.id, model.id, "{protocol}: {identifier}");
                device
                    .configure(resolved.definition)
                    .unwrap_or_else(|e| panic!("{protocol}: {}: {e}", model.name));
            }
        }
        if let Some(defaults) = &entry.defaults {
            let mut device = identify(protocol, "an unknown model");
            let resolved = config.resolve("address", protocol, device.identifier()).unwrap();
            assert_eq!(resolved.definition.id, defaults.id, "{protocol}: defaults");
            let accepted = device.configure(resolved.definition);
            if *protocol == "vorze-sa" {
                // Its defaults have no variant: refused, as the reference implementation does.
                assert!(matches!(accepted, Err(ProtocolError::UnknownProtocol(_))), "{accepted:?}");
            } else {
                accepted.unwrap();
            }
        }
    }
}
