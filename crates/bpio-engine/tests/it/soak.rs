//! Issue 25: under steady load the engine's memory stays flat in every mode that keeps
//! per-device state: `--simulate`, websocket devices, a serial device on a pseudo-terminal, and
//! several clients at once (with `--max-clients`) while one more keeps coming and going.
//!
//! Each test is the soak of `cargo xtask bench` (`bpio-bench`'s `soak`, over the wire against the
//! engine's process), shortened for CI and run at a higher rate, so that a leak the size of the
//! one the issue found grows the engine past the bound in the short time: with the simulated
//! devices' history back, `r25_simulated_devices_keep_no_history` measured 784 KiB of growth,
//! three times the bound. A healthy engine grew by 0 to 12 KiB in each mode.

use std::path::PathBuf;
use std::time::Duration;

use bpio_bench::soak::{self, SoakSettings};
use bpio_bench::{config, serial};
use serde_json::Value;

use crate::{DEVICE_SERVER, Engine};

/// Growth allowed after the warm-up: the bound for two minutes at 100 Hz.
const BOUND_KIB: i64 = 250;

/// Short, and hard enough: every output gets 400 commands a second.
fn settings(devices: usize, fake_devices: usize) -> SoakSettings {
    SoakSettings {
        rate_hz: 400,
        warmup: Duration::from_secs(5),
        duration: Duration::from_secs(20),
        devices,
        fake_devices,
        ..SoakSettings::default()
    }
}

/// Soaks `engine` and checks that every command got its `Ok` and that the engine did not grow;
/// returns the figures.
async fn check(engine: &Engine, device_url: Option<&str>, settings: &SoakSettings) -> Value {
    let pid = engine.child.id().expect("the engine runs");
    let figures = soak::run(&engine.url, device_url, pid, settings).await.unwrap();
    let summary = |figures: &Value| {
        let mut figures = figures.clone();
        figures["samples"] = Value::Null;
        figures
    };
    // Reported, so the figures can be compared: `--nocapture` shows them.
    #[allow(clippy::print_stderr)]
    {
        eprintln!("soak: {}", summary(&figures));
    }
    assert_eq!(figures["replies_ok"], figures["commands_sent"], "{}", summary(&figures));
    assert!(figures["commands"].as_u64().unwrap() > 0, "{}", summary(&figures));
    let growth = soak::growth_kib(&figures).unwrap();
    assert!(growth < BOUND_KIB, "grew {growth} KiB after the warm-up: {}", summary(&figures));
    figures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r25_simulated_devices_keep_no_history() {
    let engine = Engine::start(&["--simulate"]).await;
    check(&engine, None, &settings(5, 0)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r25_websocket_devices_under_steady_load_do_not_grow_the_engine() {
    let (engine, device_url) =
        Engine::with_device_server(&config::user_config(50), "soak-websocket.json").await;
    check(&engine, Some(&device_url), &settings(5, 5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r25_several_clients_and_sessions_that_come_and_go_do_not_grow_the_engine() {
    const CLIENTS: usize = 4;
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("soak-clients.json");
    std::fs::write(&path, config::user_config(50).to_string()).unwrap();
    // The drivers, the client that comes and goes, and its last session while it is closed.
    let max_clients = (CLIENTS + 2).to_string();
    let args = ["--user-device-config-file", path.to_str().unwrap(), "--max-clients", &max_clients];
    let mut engine = Engine::start(&[&DEVICE_SERVER[..], &args].concat()).await;
    let device_url = engine.url_logged_after("listening for devices on").await;
    let settings = SoakSettings { clients: CLIENTS, churn: true, ..settings(5, 5) };
    let figures = check(&engine, Some(&device_url), &settings).await;
    assert_eq!(figures["clients"], CLIENTS);
    let shares = figures["per_client"].as_array().unwrap();
    assert_eq!(shares.len(), CLIENTS);
    for share in shares.iter().chain([&figures["churn"]]) {
        assert!(share["commands_sent"].as_u64().unwrap() > 0, "{share}");
        assert_eq!(share["replies_ok"], share["commands_sent"], "{share}");
    }
    // A session about every second of the 25.
    assert!(figures["churned_sessions"].as_u64().unwrap() >= 15, "{}", figures["churn"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r25_a_serial_device_under_steady_load_does_not_grow_the_engine() {
    let device = serial::PtyDevice::start().unwrap();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("soak-serial.json");
    std::fs::write(&path, serial::user_config(device.path()).to_string()).unwrap();
    let engine =
        Engine::start(&["--use-serial", "--user-device-config-file", path.to_str().unwrap()]).await;
    check(&engine, None, &settings(1, 0)).await;
    assert!(device.received() > 0, "the device was driven");
}
