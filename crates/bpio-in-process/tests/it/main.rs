//! The client end to end against our server with simulated devices, through the in-process
//! connector and through a real websocket on loopback (served by the engine's accept loop).
//! Every test runs over both, and asserts on what the simulated devices received.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod events;
mod inputs;
mod outputs;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bpio_client::{Client, Device, Event, WebsocketConnector};
use bpio_device_config::DeviceConfig;
use bpio_hardware::Endpoint;
use bpio_hardware::sim::{
    self, Firmware, LovenseFirmware, SimHandle, SimulatedFirmware, SimulatedManager, TCodeFirmware,
};
use bpio_in_process::InProcessConnector;
use bpio_server::SessionConfig;
use bpio_server::runtime::{DeviceHub, ManagerFactory};
use bpio_transport_ws as ws;
use serde_json::{Value, json};

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Waits until `condition` holds. The server answers a command before the device is written
/// to, so tests wait for the device to catch up.
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    within(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// How the client reaches the server.
#[derive(Debug, Clone, Copy)]
enum Via {
    InProcess,
    Websocket,
}

const BOTH: [Via; 2] = [Via::InProcess, Via::Websocket];

/// The simulated devices, as the engine's `--simulate` has them, plus one device of the
/// `simulated` protocol with every output type.
struct Devices {
    hush: SimHandle<LovenseFirmware>,
    edge: SimHandle<LovenseFirmware>,
    nora: SimHandle<LovenseFirmware>,
    stroker: SimHandle<TCodeFirmware>,
    sensor: SimHandle<SimulatedFirmware>,
    outputs: SimHandle<SimulatedFirmware>,
}

/// Names of the simulated devices as the server lists them.
const HUSH: &str = "Lovense Hush";
const EDGE: &str = "Lovense Edge";
const NORA: &str = "Lovense Nora";
const STROKER: &str = "TCode v0.3 (Single Linear Axis)";
const SENSOR: &str = "Simulated Sensor";
const OUTPUTS: &str = "Simulated Outputs";

/// The features of the outputs device, in index order: one per output type.
const OUTPUT_FEATURES: &str = r#"[
  {"output": {"vibrate": {"value": [0, 100]}}},
  {"output": {"rotate": {"value": [-100, 100]}}},
  {"output": {"oscillate": {"value": [0, 100]}}},
  {"output": {"constrict": {"value": [0, 10]}}},
  {"output": {"temperature": {"value": [-10, 10]}}},
  {"output": {"led": {"value": [0, 255]}}},
  {"output": {"spray": {"value": [0, 1]}}},
  {"output": {"position": {"value": [0, 1000]}, "hw_position_with_duration": {"value": [0, 1000], "duration": [0, 10000]}}}
]"#;

/// The engine's simulation config (the stroker's serial port, the sensor) with the outputs
/// device added.
fn user_config() -> String {
    let mut config: Value =
        serde_json::from_str(include_str!("../../../bpio-engine/src/simulation.json")).unwrap();
    let simulated = &mut config["user_configs"]["protocols"]["simulated"];
    simulated["communication"][0]["simulated"]["names"]
        .as_array_mut()
        .unwrap()
        .push(json!("simulated-outputs"));
    let features: Vec<Value> = serde_json::from_str::<Vec<Value>>(OUTPUT_FEATURES)
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(index, mut feature)| {
            feature["index"] = json!(index);
            feature["id"] = json!(format!("0c7e0000-000{index}-4000-8000-00000000000{index}"));
            feature
        })
        .collect();
    simulated["configurations"].as_array_mut().unwrap().push(json!({
        "identifier": ["simulated-outputs"],
        "name": OUTPUTS,
        "id": "0c7e0000-0000-4000-8000-000000000000",
        "features": features
    }));
    config.to_string()
}

/// A connected client that has scanned and sees every simulated device, and the devices.
struct Setup {
    client: Client,
    devices: Devices,
}

impl Setup {
    async fn start(via: Via) -> Self {
        let mut config = DeviceConfig::embedded().unwrap();
        config.apply_user_json(&user_config()).unwrap();
        let handles: Arc<Mutex<Option<Devices>>> = Arc::default();
        let out = Arc::clone(&handles);
        let factory: ManagerFactory = Box::new(move |events| {
            let manager = SimulatedManager::new(events).recording();
            *out.lock().unwrap() = Some(Devices {
                hush: manager.add(sim::lovense_hush("hush")),
                edge: manager.add(sim::lovense_edge("edge")),
                nora: manager.add(sim::lovense_nora("nora")),
                stroker: manager.add(sim::tcode_stroker("simulated-tcode")),
                sensor: manager.add(sim::sensor("sensor")),
                outputs: manager.add(sim::simulated("simulated-outputs", "outputs")),
            });
            Arc::new(manager)
        });
        let hub = DeviceHub::spawn(config, vec![factory]);
        let devices = handles.lock().unwrap().take().unwrap();
        let session = SessionConfig::new("it");
        let client = match via {
            Via::InProcess => Client::connect("it", InProcessConnector::new(hub, session)).await,
            Via::Websocket => {
                let listener =
                    ws::listen(SocketAddr::from(([127, 0, 0, 1], 0)), ws::Config::default())
                        .await
                        .unwrap();
                let url = format!("ws://{}", listener.local_addr());
                tokio::spawn(bpio_engine::serve(listener, session, hub, std::future::pending()));
                Client::connect("it", WebsocketConnector::new(url)).await
            }
        }
        .unwrap();
        assert_eq!(client.server_name(), "it");
        let setup = Self { client, devices };
        setup.scan().await;
        setup
    }

    /// Scans until the scan has finished; every device must have been added by then.
    async fn scan(&self) {
        let mut events = self.client.events();
        self.client.start_scanning().await.unwrap();
        let mut added = Vec::new();
        loop {
            match within("the scan", events.next()).await.unwrap() {
                Event::DeviceAdded(device) => added.push(device.name().to_owned()),
                Event::ScanningFinished => break,
                other => panic!("{other:?}"),
            }
        }
        added.sort();
        let mut expected = [HUSH, EDGE, NORA, STROKER, SENSOR, OUTPUTS];
        expected.sort_unstable();
        assert_eq!(added, expected);
    }

    fn device(&self, name: &str) -> Device {
        self.client.devices().into_iter().find(|device| device.name() == name).unwrap()
    }
}

/// Everything written to the device from `from` on, once something has been.
async fn writes_since<F: Firmware>(device: &SimHandle<F>, from: usize) -> Vec<Vec<u8>> {
    eventually("a write", || device.writes().len() > from).await;
    device.writes()[from..]
        .iter()
        .map(|(endpoint, data)| {
            assert_eq!(*endpoint, Endpoint::Tx);
            data.clone()
        })
        .collect()
}

/// Text written to a Lovense or TCode device from `from` on, once it ends with `expected`.
async fn text_written<F: Firmware>(device: &SimHandle<F>, from: usize, expected: &str) -> String {
    let written = || -> String {
        device.writes()[from..].iter().map(|(_, data)| String::from_utf8_lossy(data)).collect()
    };
    eventually(expected, || written().ends_with(expected)).await;
    written()
}
