//! The device database the engine starts with: the embedded one or a file, and a user config.

use anyhow::{Context, Result};
use bpio::device_config::{BaseDatabase, DeviceConfig, Warning, read_file};
use tracing::{debug, error, info, warn};

use crate::options::Options;

/// The user config that makes the simulated devices recognisable: a serial port for the TCode
/// stroker and the definition of the sensor device.
const SIMULATION_CONFIG: &str = include_str!("simulation.json");

/// The embedded database, or `--device-config-file`; then `--user-device-config-file` (or, with
/// `--simulate` and no user file, the simulation config). A bad base file stops the engine; a
/// bad user file is reported and the base database is used without it.
pub(crate) fn device_config(options: &Options) -> Result<DeviceConfig> {
    let base = match &options.device_config_file {
        Some(path) => {
            let text = read_file(path)?;
            BaseDatabase::from_json(&text)
                .with_context(|| format!("device config file {}", path.display()))?
        }
        None => BaseDatabase::embedded().context("the embedded device database")?,
    };
    info!(
        protocols = base.protocols().len(),
        configurations = base.configuration_count(),
        "device database loaded"
    );
    // The public data has known duplicates; in the built-in database they are expected.
    report(base.warnings(), options.device_config_file.is_some());
    let mut config = DeviceConfig::new(base);
    let user = match (&options.user_device_config_file, options.simulate) {
        (Some(path), simulate) => {
            if simulate {
                warn!(
                    "--simulate with a user config: the simulated stroker and sensor need their entries in it"
                );
            }
            match read_file(path) {
                Ok(text) => Some(text),
                Err(err) => {
                    error!(cause = %err, "cannot read the user device config; going on without it");
                    None
                }
            }
        }
        (None, true) => Some(SIMULATION_CONFIG.to_owned()),
        (None, false) => None,
    };
    if let Some(text) = user {
        match config.apply_user_json(&text) {
            Ok(warnings) => report(warnings, true),
            Err(err) => {
                error!(cause = %err, "the user device config is invalid; going on without it")
            }
        }
    }
    Ok(config)
}

/// Duplicates and skipped entries are resolved by the documented rules (docs/DEVICE_CONFIG.md 1.1):
/// each goes to the debug log, and one line counts them, a warning for files the user gave.
fn report(warnings: &[Warning], user_file: bool) {
    for warning in warnings {
        debug!(%warning, "device config");
    }
    let count = warnings.len();
    match (count, user_file) {
        (0, _) => {}
        (_, true) => warn!(
            count,
            "device config: duplicate or skipped entries, resolved as documented; --log debug lists them"
        ),
        (_, false) => info!(
            count,
            "built-in device database: known duplicates of the public data, resolved as documented"
        ),
    }
}
