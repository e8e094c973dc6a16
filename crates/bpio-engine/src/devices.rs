//! The device database and hardware managers the engine starts with.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use bpio::device_config::{BaseDatabase, DeviceConfig, Specifier, Warning, read_file};
use bpio::hardware::sim::{self, SimHandle, SimulatedFirmware, SimulatedManager};
use bpio::hw_btleplug::{BtleplugConfig, BtleplugManager, DeviceFilter};
use bpio::hw_hid::HidManager;
use bpio::hw_serial::SerialManager;
use bpio::hw_websocket::{self, DeviceServer};
use bpio::server::SessionConfig;
use bpio::server::runtime::{DeviceHub, ManagerFactory};
use bpio::transport_ws;
use tracing::{debug, error, info, warn};

use crate::options::Options;

/// The user config that makes the simulated devices recognisable: a serial port for the TCode
/// stroker and the definition of the sensor device.
const SIMULATION_CONFIG: &str = include_str!("simulation.json");

/// The embedded database, or `--device-config-file`; then `--user-device-config-file` (or, with
/// `--simulate` and no user file, the simulation config). A bad base file stops the engine; a
/// bad user file is reported and the base database is used without it.
pub fn device_config(options: &Options) -> Result<DeviceConfig> {
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

/// Duplicates and skipped entries are resolved by the documented rules (DEVICE_CONFIG.md 1.1):
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

/// Serves clients in process on a free loopback port, with one simulated sensor whose timing gap
/// a user config sets to `gap_ms`: what the gap test and the jitter measurement run against.
/// Returns the websocket URL and the sensor, whose writes can be inspected.
pub async fn serve_gap_sensor(gap_ms: u32) -> Result<(String, SimHandle<SimulatedFirmware>)> {
    const ADDRESS: &str = "gap-sensor";
    let mut config = DeviceConfig::embedded()?;
    config.apply_user_json(&simulation_config_with_gap(ADDRESS, gap_ms))?;
    let handle: Arc<Mutex<Option<SimHandle<SimulatedFirmware>>>> = Arc::default();
    let out = Arc::clone(&handle);
    let factory: ManagerFactory = Box::new(move |events| {
        // Its writes are what the gap test and the measurement inspect.
        let manager = SimulatedManager::new(events).recording();
        let sensor = manager.add(sim::sensor(ADDRESS));
        if let Ok(mut out) = out.lock() {
            *out = Some(sensor);
        }
        Arc::new(manager)
    });
    let hub = DeviceHub::spawn(config, vec![factory]);
    // The factory ran inside `spawn`, so the handle is there.
    let sensor =
        handle.lock().ok().and_then(|mut handle| handle.take()).context("the simulated sensor")?;
    let listener = transport_ws::listen(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        transport_ws::Config::default(),
    )
    .await?;
    let url = format!("ws://{}", listener.local_addr());
    let session = SessionConfig::new("gap");
    tokio::spawn(crate::serve(listener, session, hub, std::future::pending()));
    Ok((url, sensor))
}

/// The simulation config with a device record that gives the simulated sensor at `address` the
/// timing gap `gap_ms`.
fn simulation_config_with_gap(address: &str, gap_ms: u32) -> String {
    let mut config: serde_json::Value = match serde_json::from_str(SIMULATION_CONFIG) {
        Ok(config) => config,
        Err(_) => return SIMULATION_CONFIG.to_owned(),
    };
    // The ids of the sensor's definition and features in `simulation.json`.
    let features: Vec<serde_json::Value> = (1..=4)
        .map(|n| {
            serde_json::json!({
                "id": format!("7a9e0000-000{n}-4000-8000-00000000000{n}"),
                "base_id": format!("5e4503d0-000{n}-4000-8000-00000000000{n}"),
            })
        })
        .collect();
    config["user_configs"]["devices"] = serde_json::json!([{
        "identifier": {"protocol": "simulated", "identifier": "simulated-sensor", "address": address},
        "config": {
            "id": "7a9e0000-0000-4000-8000-000000000000",
            "base_id": "5e4503d0-0000-4000-8000-000000000000",
            "features": features,
            "user_config": {"allow": false, "deny": false, "index": 0, "message_gap_ms": gap_ms}
        }
    }]);
    config.to_string()
}

/// The hardware managers the flags ask for. The device websocket server is bound here, so a
/// taken port stops the engine with one clear line.
pub async fn managers(options: &Options, config: &DeviceConfig) -> Result<Vec<ManagerFactory>> {
    let mut managers: Vec<ManagerFactory> = Vec::new();
    if options.simulate {
        managers.push(Box::new(|events| {
            // Not recording: an engine keeps no history of what its devices were sent.
            let manager = SimulatedManager::new(events);
            manager.add(sim::lovense_hush("sim-lovense-hush"));
            manager.add(sim::lovense_edge("sim-lovense-edge"));
            manager.add(sim::lovense_nora("sim-lovense-nora"));
            manager.add(sim::tcode_stroker("simulated-tcode"));
            manager.add(sim::sensor("sim-sensor"));
            Arc::new(manager)
        }));
    }
    if options.use_bluetooth_le {
        // Scan results are narrowed to what the database could recognise.
        let mut filter = DeviceFilter::default();
        for btle in config.btle_specifiers() {
            filter.add_names(&btle.names);
            filter.add_services(btle.advertised_services.iter().copied());
            filter.add_companies(btle.manufacturer_data.iter().map(|data| data.company));
        }
        let ble = BtleplugConfig { filter: Some(filter), ..BtleplugConfig::default() };
        managers.push(Box::new(BtleplugManager::factory(ble)));
    }
    if options.use_serial {
        let ports = serial_ports(config);
        debug!(ports = ?ports, "serial ports named in the device config");
        managers.push(Box::new(move |events| Arc::new(SerialManager::new(events, ports))));
    }
    if options.use_hid {
        managers.push(Box::new(|events| Arc::new(HidManager::new(events))));
    }
    if options.use_device_websocket_server {
        let address = options.device_listen_address();
        let server = DeviceServer::bind(address).await.map_err(|err| match err {
            hw_websocket::Error::AddrInUse { .. } => anyhow::anyhow!(
                "port {} is already in use; choose another with --device-websocket-server-port",
                address.port()
            ),
            other => {
                anyhow::Error::new(other).context(format!("cannot listen for devices on {address}"))
            }
        })?;
        info!("listening for devices on ws://{}", server.local_addr());
        managers.push(Box::new(move |events| {
            Arc::new(server.start(hw_websocket::Config::default(), events))
        }));
    } else if options.device_websocket_server_port.is_some() {
        warn!("--device-websocket-server-port has no effect without --use-device-websocket-server");
    }
    Ok(managers)
}

/// The ports the device config's `serial` specifiers name: the serial backend opens them even
/// when enumeration does not list them.
fn serial_ports(config: &DeviceConfig) -> Vec<String> {
    config
        .specifiers()
        .filter_map(|rule| match rule {
            Specifier::Serial(serial) => Some(serial.port.clone()),
            _ => None,
        })
        .collect()
}
