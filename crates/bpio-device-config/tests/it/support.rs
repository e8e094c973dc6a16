//! Shared helpers: the public files, read in place.

use bpio_device_config::{BaseDatabase, ConfigKey, DeviceConfig, Feature};

pub(crate) const V5: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/device-config/buttplug-device-config-v5.json"
));
pub(crate) const V4: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/device-config/buttplug-device-config-v4.json"
));
pub(crate) const USER_V4: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/device-config/buttplug-user-device-config-v4.json"
));

pub(crate) fn v5() -> DeviceConfig {
    DeviceConfig::new(BaseDatabase::from_json(V5).unwrap())
}

/// `index:kind[min,max],kind[min,max]|input` per feature, e.g. `0:vibrate[0,20] 1:|battery`.
pub(crate) fn signature(features: &[Feature]) -> String {
    features
        .iter()
        .map(|feature| {
            let outputs: Vec<String> = feature
                .outputs
                .iter()
                .map(|(kind, output)| {
                    format!("{}[{},{}]", kind.config_key(), output.value.min(), output.value.max())
                })
                .collect();
            let inputs: Vec<&str> = feature.inputs.keys().map(|kind| kind.config_key()).collect();
            let inputs =
                if inputs.is_empty() { String::new() } else { format!("|{}", inputs.join(",")) };
            format!("{}:{}{inputs}", feature.index, outputs.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}
