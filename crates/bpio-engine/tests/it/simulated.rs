//! The engine's accept loop served in process with simulated devices the caller holds.
//! `examples/gap_jitter.rs` includes this file by path, so it names nothing of the test crate.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bpio::device_config::DeviceConfig;
use bpio::hardware::sim::{self, SimHandle, SimulatedFirmware, SimulatedManager};
use bpio::server::SessionConfig;
use bpio::server::runtime::{DeviceHub, ManagerFactory};
use bpio::transport_ws::{self, Config};
use serde_json::{Value, json};

/// The user config of `--simulate`: it defines the simulated sensor.
pub(crate) const SIMULATION_CONFIG: &str = include_str!("../../src/simulation.json");

/// Serves `session` in process on a free loopback port, with the embedded database plus
/// `user_config` and the simulated devices `add` puts on the manager (the message size limit is
/// the transport's default, 1 MiB). Returns the websocket URL and what `add` returned.
pub(crate) async fn serve_simulated<T: Send + 'static>(
    user_config: &str,
    session: SessionConfig,
    add: impl FnOnce(&SimulatedManager) -> T + Send + 'static,
) -> (String, T) {
    serve_simulated_with(user_config, session, Config::default(), add).await
}

/// [`serve_simulated`] with the websocket server's settings `transport`.
pub(crate) async fn serve_simulated_with<T: Send + 'static>(
    user_config: &str,
    session: SessionConfig,
    transport: Config,
    add: impl FnOnce(&SimulatedManager) -> T + Send + 'static,
) -> (String, T) {
    let (url, devices, _hub) = serve_simulated_hub(user_config, session, transport, add).await;
    (url, devices)
}

/// [`serve_simulated_with`], also giving the device hub, for more servers beside it.
pub(crate) async fn serve_simulated_hub<T: Send + 'static>(
    user_config: &str,
    session: SessionConfig,
    transport: Config,
    add: impl FnOnce(&SimulatedManager) -> T + Send + 'static,
) -> (String, T, DeviceHub) {
    let mut config = DeviceConfig::embedded().unwrap();
    config.apply_user_json(user_config).unwrap();
    let handles: Arc<Mutex<Option<T>>> = Arc::default();
    let out = Arc::clone(&handles);
    let factory: ManagerFactory = Box::new(move |events| {
        // Recording: what each device received is what the callers inspect.
        let manager = SimulatedManager::new(events).recording();
        *out.lock().unwrap() = Some(add(&manager));
        Arc::new(manager)
    });
    let hub = DeviceHub::spawn(config, vec![factory]);
    // The factory ran inside `spawn`, so the handles are there.
    let devices = handles.lock().unwrap().take().unwrap();
    let listener =
        transport_ws::listen(SocketAddr::from(([127, 0, 0, 1], 0)), transport).await.unwrap();
    let url = format!("ws://{}", listener.local_addr());
    tokio::spawn(bpio_engine::serve(listener, session, hub.clone(), std::future::pending()));
    (url, devices, hub)
}

/// One simulated sensor whose timing gap a user config sets to `gap_ms`: what the gap tests and
/// the jitter measurement run against. Returns the websocket URL and the sensor, whose writes can
/// be inspected.
pub(crate) async fn serve_gap_sensor(gap_ms: u32) -> (String, SimHandle<SimulatedFirmware>) {
    const ADDRESS: &str = "gap-sensor";
    let config = simulation_config_with_gap(ADDRESS, gap_ms);
    serve_simulated(&config, SessionConfig::new("gap"), |manager| manager.add(sim::sensor(ADDRESS)))
        .await
}

/// The simulation config with a device record that gives the simulated sensor at `address` the
/// timing gap `gap_ms`. The record points at the sensor's definition and features by their ids,
/// read from the simulation config; its own ids are derived from those.
fn simulation_config_with_gap(address: &str, gap_ms: u32) -> String {
    let mut config: Value = serde_json::from_str(SIMULATION_CONFIG).unwrap();
    let sensor = &config["user_configs"]["protocols"]["simulated"]["configurations"][0];
    // A UUID of the record's own: the definition's, with its first group replaced.
    let own_id = |base: &Value| format!("7a9e0000{}", &base.as_str().unwrap()[8..]);
    let features: Vec<Value> = sensor["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|feature| json!({"id": own_id(&feature["id"]), "base_id": feature["id"]}))
        .collect();
    let record = json!({
        "identifier": {"protocol": "simulated", "identifier": sensor["identifier"][0], "address": address},
        "config": {
            "id": own_id(&sensor["id"]),
            "base_id": sensor["id"],
            "features": features,
            "user_config": {"allow": false, "deny": false, "index": 0, "message_gap_ms": gap_ms}
        }
    });
    config["user_configs"]["devices"] = json!([record]);
    config.to_string()
}
