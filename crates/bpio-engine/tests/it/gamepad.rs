//! Gamepads through the engine's accept loop, served in process with the gamepad backend over a
//! fake platform (this machine has no gamepad): found by a scan under the protocol the database
//! gives them, rumble on both motors, the battery, and unplugging and plugging back.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bpio::device_config::{BaseDatabase, DeviceConfig};
use bpio::hw_gamepad::{
    Config as PadConfig, GamepadManager, GamepadPlatform, PadHandle, PadInfo, PlatformError,
};
use bpio::server::SessionConfig;
use bpio::server::runtime::{DeviceHub, ManagerFactory};
use bpio::transport_ws::{self, Config};
use serde_json::{Value, json};

use crate::{Client, within};

/// The public format-4 database, where game controllers are `xinput`.
const V4_DATABASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/device-config/buttplug-device-config-v4.json"
);

/// What the fake pad was told and reports.
#[derive(Debug, Default)]
struct Pad {
    rumbles: Vec<(u16, u16)>,
    battery: Option<u8>,
    unplugged: bool,
}

/// A platform with one pad, which tests unplug and plug back.
#[derive(Debug, Default)]
struct OnePad(Arc<Mutex<Pad>>);

impl OnePad {
    fn info() -> PadInfo {
        PadInfo {
            path: "event7".to_owned(),
            name: "Xbox Wireless Controller".to_owned(),
            address: "gamepad-045e:0b13-AA:BB:CC:DD:EE:FF".to_owned(),
        }
    }
}

impl GamepadPlatform for OnePad {
    fn enumerate(&self) -> Result<Vec<PadInfo>, PlatformError> {
        Ok(if self.0.lock().unwrap().unplugged { Vec::new() } else { vec![Self::info()] })
    }

    fn open(&self, _: &PadInfo) -> Result<Box<dyn PadHandle>, PlatformError> {
        Ok(Box::new(Self(Arc::clone(&self.0))))
    }
}

impl PadHandle for OnePad {
    fn rumble(&mut self, strong: u16, weak: u16) -> Result<(), PlatformError> {
        self.0.lock().unwrap().rumbles.push((strong, weak));
        Ok(())
    }

    fn battery(&mut self) -> Result<Option<u8>, PlatformError> {
        Ok(self.0.lock().unwrap().battery)
    }

    fn connected(&mut self) -> Result<bool, PlatformError> {
        Ok(!self.0.lock().unwrap().unplugged)
    }
}

/// Serves the gamepad backend over a fresh fake pad with `config`; returns a client past the
/// handshake and the pad.
async fn serve_pad(config: DeviceConfig) -> (Client, Arc<Mutex<Pad>>) {
    let pad = Arc::new(Mutex::new(Pad { battery: Some(77), ..Pad::default() }));
    let platform = Arc::new(OnePad(Arc::clone(&pad)));
    let factory: ManagerFactory = Box::new(move |events| {
        let quick = PadConfig { poll: Duration::from_millis(10), ..PadConfig::default() };
        Arc::new(GamepadManager::with_platform(events, platform, quick))
    });
    let hub = DeviceHub::spawn(config, vec![factory]);
    let listener = transport_ws::listen(SocketAddr::from(([127, 0, 0, 1], 0)), Config::default())
        .await
        .unwrap();
    let url = format!("ws://{}", listener.local_addr());
    let session = SessionConfig::new("gamepads");
    tokio::spawn(bpio_engine::serve(listener, session, hub, std::future::pending()));
    let mut client = Client(transport_ws::connect(&url, &Config::default()).await.unwrap());
    assert!(client.handshake().await.get("ServerInfo").is_some());
    (client, pad)
}

/// Scans and returns the first device list that lists a device, with the scan's reply checked.
async fn scan(client: &mut Client, id: u64) -> Value {
    client.send(json!([{"StartScanning": {"Id": id}}])).await;
    loop {
        let message = client.next().await;
        if message.pointer("/DeviceList/Devices").is_some_and(|devices| devices != &json!({})) {
            return message["DeviceList"]["Devices"].clone();
        }
    }
}

/// Sends one message and returns the reply to it, skipping events.
async fn request(client: &mut Client, message: Value) -> Value {
    let id = message.as_object().and_then(|body| body.values().next()).unwrap()["Id"].clone();
    client.send(json!([message])).await;
    loop {
        let reply = client.next().await;
        if reply.as_object().and_then(|body| body.values().next()).map(|body| &body["Id"])
            == Some(&id)
        {
            return reply;
        }
    }
}

fn vibrate(id: u64, device: &Value, feature: u64, value: u64) -> Value {
    json!({"OutputCmd": {"Id": id, "DeviceIndex": device, "FeatureIndex": feature, "Command": {"Vibrate": {"Value": value}}}})
}

/// Waits until the pad's last rumble is `expected`.
async fn rumbles_at(pad: &Arc<Mutex<Pad>>, expected: (u16, u16)) {
    within("the rumble to reach the pad", async {
        while pad.lock().unwrap().rumbles.last() != Some(&expected) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_pad_is_an_sdl_gamepad_that_rumbles_reports_its_battery_and_comes_back_at_its_index() {
    let (mut client, pad) = serve_pad(DeviceConfig::embedded().unwrap()).await;
    let devices = scan(&mut client, 2).await;
    let (key, device) = devices.as_object().unwrap().iter().next().unwrap();
    assert_eq!(device["DeviceName"], "SDL Gamepad");
    let index = device["DeviceIndex"].clone();

    let ok = |id| json!({"Ok": {"Id": id}});
    assert_eq!(request(&mut client, vibrate(3, &index, 0, 0x1234)).await, ok(3));
    rumbles_at(&pad, (0x1234, 0)).await;
    assert_eq!(request(&mut client, vibrate(4, &index, 1, 0xffff)).await, ok(4));
    rumbles_at(&pad, (0x1234, 0xffff)).await;
    let battery = json!({"InputCmd": {"Id": 5, "DeviceIndex": index, "FeatureIndex": 2, "Type": "Battery", "Command": "Read"}});
    let reading = request(&mut client, battery).await;
    assert_eq!(reading["InputReading"]["Reading"], json!({"Battery": {"Value": 77}}), "{reading}");

    // Unplugged: the device leaves the list.
    pad.lock().unwrap().unplugged = true;
    within("the device to leave", async {
        while client.next().await.pointer("/DeviceList/Devices") != Some(&json!({})) {}
    })
    .await;

    // Plugged back: a scan finds it at the same index, and it is driven again.
    pad.lock().unwrap().unplugged = false;
    let again = scan(&mut client, 6).await;
    assert_eq!(again[key]["DeviceIndex"], index, "{again}");
    assert_eq!(again[key]["DeviceName"], "SDL Gamepad");
    assert_eq!(request(&mut client, vibrate(7, &index, 1, 5)).await, ok(7));
    rumbles_at(&pad, (0, 5)).await;
}

#[tokio::test]
async fn with_a_format_4_database_a_pad_is_an_xinput_gamepad() {
    let text = std::fs::read_to_string(V4_DATABASE).unwrap();
    let (mut client, pad) =
        serve_pad(DeviceConfig::new(BaseDatabase::from_json(&text).unwrap())).await;
    let devices = scan(&mut client, 2).await;
    let device = devices.as_object().unwrap().values().next().unwrap();
    assert_eq!(device["DeviceName"], "XBox (XInput) Compatible Gamepad");
    let index = device["DeviceIndex"].clone();
    // XInput's feature 0 is the high-frequency (weak) motor, feature 1 the strong one.
    assert_eq!(request(&mut client, vibrate(3, &index, 0, 0x1234)).await, json!({"Ok": {"Id": 3}}));
    rumbles_at(&pad, (0, 0x1234)).await;
    assert_eq!(request(&mut client, vibrate(4, &index, 1, 0x5678)).await, json!({"Ok": {"Id": 4}}));
    rumbles_at(&pad, (0x5678, 0x1234)).await;
}
