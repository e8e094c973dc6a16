//! Every example, run against the engine with its simulated devices (`bpio-engine --simulate`)
//! on a free loopback port. The examples' own code runs here; only their `main`, which reads the
//! URL from the command line, is left out.

use std::net::SocketAddr;
use std::time::Duration;

use bpio_engine::Options;
use bpio_server::SessionConfig;
use bpio_transport_ws as ws;
use clap::Parser;

use crate::within;

#[path = "../../examples/connect.rs"]
#[allow(dead_code)]
mod connect;
#[path = "../../examples/control.rs"]
#[allow(dead_code)]
mod control;
#[path = "../../examples/enumerate.rs"]
#[allow(dead_code)]
mod enumerate;
#[path = "../../examples/sensors.rs"]
#[allow(dead_code)]
mod sensors;

/// Starts the engine as `bpio-engine --simulate` would, on a free port; returns its URL. A ping
/// time is set so the client's keep-alive runs too.
async fn engine() -> String {
    let options = Options::try_parse_from(["bpio-engine", "--simulate"]).unwrap();
    let hub = bpio_engine::device_hub(&options).await.unwrap();
    let listener =
        ws::listen(SocketAddr::from(([127, 0, 0, 1], 0)), ws::Config::default()).await.unwrap();
    let url = format!("ws://{}", listener.local_addr());
    let session = SessionConfig {
        max_ping_time: Duration::from_millis(500),
        ..SessionConfig::new("examples")
    };
    tokio::spawn(bpio_engine::serve(listener, session, hub, std::future::pending()));
    url
}

#[tokio::test]
async fn the_connect_example_runs() {
    within("the example", connect::run(&engine().await)).await.unwrap();
}

#[tokio::test]
async fn the_enumerate_example_finds_every_simulated_device() {
    let devices = within("the example", enumerate::run(&engine().await)).await.unwrap();
    let mut names: Vec<&str> = devices.iter().map(bpio_client::Device::name).collect();
    names.sort_unstable();
    assert_eq!(names.len(), 5, "{names:?}");
    for expected in ["Lovense Edge", "Lovense Hush", "Lovense Nora", "Simulated Sensor"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    assert!(names.iter().any(|name| name.starts_with("TCode")), "{names:?}");
}

#[tokio::test]
async fn the_control_example_runs() {
    within("the example", control::run(&engine().await, Duration::from_millis(20))).await.unwrap();
}

#[tokio::test]
async fn the_sensors_example_runs() {
    within("the example", sensors::run(&engine().await, Duration::from_millis(100))).await.unwrap();
}
