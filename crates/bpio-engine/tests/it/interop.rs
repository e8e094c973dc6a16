//! Interop with the official clients (issue 5): the Python client from PyPI, installed by the
//! test into its own virtualenv, the JavaScript client from npm, installed by the test with the
//! Node.js 22 it needs (also from npm), and the Rust client from crates.io.
//!
//! Both also run against a device list that carries an RSSI input. The clients disagree on its
//! name: the Rust client (`buttplug_core` 11) reads every `Input` key as an enum variant and
//! fails the whole `DeviceList` on an unknown one such as `RSSI`, while the Python and JS clients
//! look for `RSSI` but keep any key. The server therefore advertises `Rssi` (as the reference
//! does), under which every client works: the Rust client sees the input, and the others simply
//! do not offer it. No device in the public database has an RSSI input today.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use buttplug_client::ButtplugClient;
use buttplug_client::connector::ButtplugRemoteClientConnector;
use buttplug_client::device::{ClientDeviceCommandValue, ClientDeviceOutputCommand};
use buttplug_transport_websocket_tungstenite::ButtplugWebsocketClientTransport;
use serde_json::Value;

use crate::{Engine, within};

/// A virtualenv with `buttplug` 1.0.0, made once per target directory; tests that run at the
/// same time wait for the one that makes it.
pub(crate) fn python_client() -> PathBuf {
    static VENV: Installed = Installed::new(None);
    install_once(&VENV, make_python_client)
}

/// Where a client was installed, once it is.
pub(crate) type Installed = std::sync::Mutex<Option<PathBuf>>;

/// Installs with `make` the first time; tests that run at the same time wait for that one.
pub(crate) fn install_once(installed: &Installed, make: fn() -> PathBuf) -> PathBuf {
    let mut path = installed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    path.get_or_insert_with(make).clone()
}

fn make_python_client() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-buttplug-1.0.0");
    let python = venv.join("bin/python");
    let installed = python.exists()
        && Command::new(&python)
            .args(["-c", "import buttplug"])
            .status()
            .is_ok_and(|s| s.success());
    if !installed {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv");
        assert!(made.success(), "cannot create the virtualenv");
        let pip = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "buttplug==1.0.0"])
            .status()
            .expect("pip");
        assert!(pip.success(), "cannot install buttplug 1.0.0 from PyPI");
    }
    python
}

/// A user config: the engine's simulation config with an RSSI input added to the sensor.
fn config_with_rssi() -> PathBuf {
    let mut config: Value =
        serde_json::from_str(include_str!("../../src/simulation.json")).unwrap();
    let features =
        config["user_configs"]["protocols"]["simulated"]["configurations"][0]["features"]
            .as_array_mut()
            .unwrap();
    features.push(serde_json::json!({
        "index": 4, "id": "5e4503d0-0005-4000-8000-000000000005", "description": "Signal",
        "input": {"rssi": {"value": [[-100, 0]], "command": ["Read"]}}
    }));
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("user-config-with-rssi.json");
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

async fn run_python(engine: &Engine) -> Value {
    let python = tokio::task::spawn_blocking(python_client).await.unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/python_client.py");
    let output = within(
        "the Python client",
        tokio::process::Command::new(python).arg(script).arg(&engine.url).output(),
    )
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "python client failed: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn assert_simulated_devices(names: &[String]) {
    for name in ["Lovense Edge", "Lovense Hush", "Lovense Nora", "Simulated Sensor"] {
        assert!(names.iter().any(|n| n == name), "{names:?}");
    }
}

#[tokio::test]
async fn the_python_client_lists_vibrates_and_reads_battery() {
    let engine = Engine::start(&["--simulate", "--server-name", "bpio interop"]).await;
    let seen = run_python(&engine).await;
    assert_eq!(seen["server"], "bpio interop");
    let names: Vec<String> = serde_json::from_value(seen["devices"].clone()).unwrap();
    assert_simulated_devices(&names);
    // The simulated Hush firmware reports 85 %; the client gives a fraction.
    assert_eq!(seen["battery"].as_f64(), Some(0.85), "{seen}");
}

#[tokio::test]
async fn the_python_client_works_when_a_device_advertises_rssi() {
    let config = config_with_rssi();
    let engine =
        Engine::start(&["--simulate", "--user-device-config-file", config.to_str().unwrap()]).await;
    let seen = run_python(&engine).await;
    assert_eq!(seen["battery"].as_f64(), Some(0.85), "{seen}");
    assert_eq!(
        seen["inputs"]["Simulated Sensor"],
        serde_json::json!(["Battery", "Button", "Pressure", "Rssi"])
    );
    // The Python client looks for "RSSI", so it does not offer this input; nothing else breaks.
    assert_eq!(seen["sensor_has_rssi"], Value::Bool(false));
}

/// npm's `buttplug` 5.0.2 and Node.js 22 (npm's `node` package, which the JS client needs for
/// its iterator helpers; the machine's own Node.js may be older), installed once per target
/// directory with the machine's npm; returns the install directory.
fn js_client() -> PathBuf {
    static DIR: Installed = Installed::new(None);
    install_once(&DIR, make_js_client)
}

fn make_js_client() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("js-buttplug-5.0.2");
    let node = dir.join("node_modules/.bin/node");
    let installed = dir.join("node_modules/buttplug/package.json").exists()
        && Command::new(&node)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success() && out.stdout.starts_with(b"v22."));
    if !installed {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("package.json"), r#"{"name": "bpio-interop", "private": true}"#)
            .unwrap();
        let npm = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .args(["buttplug@5.0.2", "node@22.23.3"])
            .current_dir(&dir)
            .status()
            .expect("npm");
        assert!(npm.success(), "cannot install buttplug 5.0.2 and Node.js 22 from npm");
    }
    dir
}

async fn run_js(engine: &Engine) -> Value {
    let dir = tokio::task::spawn_blocking(js_client).await.unwrap();
    // Beside its node_modules, where an ES module finds its imports.
    let script = dir.join("js_client.mjs");
    std::fs::write(&script, include_str!("../interop/js_client.mjs")).unwrap();
    let output = within(
        "the JS client",
        tokio::process::Command::new(dir.join("node_modules/.bin/node"))
            .arg(&script)
            .arg(&engine.url)
            .output(),
    )
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "JS client failed: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn the_js_client_lists_vibrates_and_reads_battery_and_pressure() {
    let config = config_with_rssi();
    let engine = Engine::start(&[
        "--simulate",
        "--server-name",
        "bpio interop",
        "--user-device-config-file",
        config.to_str().unwrap(),
    ])
    .await;
    let seen = run_js(&engine).await;
    assert_eq!(seen["server"], "bpio interop");
    let names: Vec<String> = serde_json::from_value(seen["devices"].clone()).unwrap();
    assert_simulated_devices(&names);
    // This client gives the battery in per cent.
    assert_eq!(seen["battery"].as_f64(), Some(85.0), "{seen}");
    assert!(seen["pressure"]["value"].is_number(), "{seen}");
    // It keeps input keys it does not know, so the sensor's `Rssi` is listed as it is.
    assert_eq!(
        seen["inputs"]["Simulated Sensor"],
        serde_json::json!(["Battery", "Button", "Pressure", "Rssi"])
    );
}

/// Drives the engine with the official Rust client; returns (device names, Hush battery,
/// whether the sensor offers RSSI).
async fn run_rust_client(url: &str) -> (Vec<String>, u32, bool) {
    let connector = ButtplugRemoteClientConnector::<ButtplugWebsocketClientTransport>::new(
        ButtplugWebsocketClientTransport::new_insecure_connector(url),
    );
    let client = ButtplugClient::new("bpio rust interop");
    within("connect", client.connect(connector)).await.unwrap();
    within("scan", client.start_scanning()).await.unwrap();
    within("the simulated devices", async {
        while client.devices().len() < 5 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let devices = client.devices();
    let names: Vec<String> = devices.values().map(|d| d.name().clone()).collect();
    let hush = devices.values().find(|d| d.name() == "Lovense Hush").unwrap();
    let vibrate = ClientDeviceOutputCommand::Vibrate(ClientDeviceCommandValue::Percent(0.5));
    within("vibrate", hush.run_output(&vibrate)).await.unwrap();
    let battery = within("battery", hush.battery()).await.unwrap();
    let sensor = devices.values().find(|d| d.name() == "Simulated Sensor").unwrap();
    let rssi = sensor.input_available(buttplug_core::message::InputType::Rssi);
    within("stop", client.stop_all_devices()).await.unwrap();
    within("disconnect", client.disconnect()).await.unwrap();
    (names, battery, rssi)
}

#[tokio::test]
async fn the_rust_client_lists_vibrates_and_reads_battery_with_rssi_advertised() {
    let config = config_with_rssi();
    let engine =
        Engine::start(&["--simulate", "--user-device-config-file", config.to_str().unwrap()]).await;
    let (names, battery, sensor_rssi) = run_rust_client(&engine.url).await;
    assert_simulated_devices(&names);
    assert_eq!(battery, 85);
    assert!(sensor_rssi, "the Rust client sees the RSSI input advertised as Rssi");
}

/// The official Rust library at major version 9 speaks spec v3: handshake with
/// `MessageVersion` 3, device attributes in the v3 shape, `ScalarCmd`, `SensorReadCmd`.
mod spec_v3 {
    use buttplug9::client::{ButtplugClient, ScalarValueCommand};
    use buttplug9::core::connector::{
        ButtplugRemoteClientConnector, ButtplugWebsocketClientTransport,
    };
    use buttplug9::core::message::serializer::ButtplugClientJSONSerializer;
    use std::time::Duration;

    use crate::{Engine, within};

    async fn connect(url: &str) -> ButtplugClient {
        let connector =
            ButtplugRemoteClientConnector::<
                ButtplugWebsocketClientTransport,
                ButtplugClientJSONSerializer,
            >::new(ButtplugWebsocketClientTransport::new_insecure_connector(url));
        let client = ButtplugClient::new("bpio v3 interop");
        within("connect", client.connect(connector)).await.unwrap();
        client
    }

    async fn scan_for(client: &ButtplugClient, count: usize) {
        within("scan", client.start_scanning()).await.unwrap();
        within("the simulated devices", async {
            while client.devices().len() < count {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
    }

    #[tokio::test]
    async fn the_v3_client_lists_vibrates_and_reads_battery() {
        let engine = Engine::start(&["--simulate"]).await;
        let client = connect(&engine.url).await;
        scan_for(&client, 5).await;
        let devices = client.devices();
        let names: Vec<String> = devices.iter().map(|d| d.name().clone()).collect();
        super::assert_simulated_devices(&names);
        let hush = devices.iter().find(|d| d.name() == "Lovense Hush").unwrap();
        assert_eq!(hush.vibrate_attributes().len(), 1);
        within("vibrate", hush.vibrate(&ScalarValueCommand::ScalarValue(0.5))).await.unwrap();
        let battery = within("battery", hush.battery_level()).await.unwrap();
        assert!((battery - 0.85).abs() < 1e-9, "{battery}");
        let edge = devices.iter().find(|d| d.name() == "Lovense Edge").unwrap();
        let speeds = ScalarValueCommand::ScalarValueVec(vec![0.25, 1.0]);
        within("vibrate both motors", edge.vibrate(&speeds)).await.unwrap();
        within("stop", client.stop_all_devices()).await.unwrap();
        within("disconnect", client.disconnect()).await.unwrap();
    }

    #[tokio::test]
    async fn the_v3_client_drives_the_bytes_of_a_simulated_device() {
        let (url, sensor) = crate::simulated::serve_gap_sensor(0).await;
        let client = connect(&url).await;
        scan_for(&client, 1).await;
        let device = client.devices().pop().unwrap();
        within("vibrate", device.vibrate(&ScalarValueCommand::ScalarValue(0.42))).await.unwrap();
        within("the motor", async {
            while sensor.firmware(|f| f.output(2)).map(|o| o.value) != Some(42) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        within("stop", device.stop()).await.unwrap();
        within("the stop", async {
            while sensor.firmware(|f| f.output(2)).map(|o| o.value) != Some(0) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        within("disconnect", client.disconnect()).await.unwrap();
    }
}
