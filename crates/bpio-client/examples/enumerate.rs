//! Scans for devices and lists each one with its features: outputs with their ranges, inputs
//! with the commands they accept.
//!
//! ```text
//! cargo run -p bpio-engine -- --simulate &
//! cargo run -p bpio-client --example enumerate -- ws://127.0.0.1:12345
//! ```
//! The URL is the first argument, else `BPIO_SERVER_URL`, else `ws://127.0.0.1:12345`.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use anyhow::Result;
use bpio_client::{Client, Device, Event, WebsocketConnector};

#[tokio::main]
async fn main() -> Result<()> {
    let url = std::env::args().nth(1).or_else(|| std::env::var("BPIO_SERVER_URL").ok());
    run(url.as_deref().unwrap_or("ws://127.0.0.1:12345")).await.map(drop)
}

/// Returns the devices found.
pub(crate) async fn run(url: &str) -> Result<Vec<Device>> {
    let client = Client::connect("bpio enumerate example", WebsocketConnector::new(url)).await?;
    scan(&client, Duration::from_secs(10)).await?;
    let devices = client.devices();
    for device in &devices {
        print_device(device);
    }
    client.disconnect().await;
    Ok(devices)
}

/// Scans until every backend has finished, or `patience` has passed (some backends scan until
/// told to stop).
pub(crate) async fn scan(client: &Client, patience: Duration) -> Result<()> {
    // The stream starts with the devices already connected, so none is missed.
    let mut events = client.events();
    client.start_scanning().await?;
    let finished = tokio::time::timeout(patience, async {
        while let Some(event) = events.next().await {
            match event {
                Event::DeviceAdded(device) => println!("found {}", device.name()),
                Event::ScanningFinished => break,
                _ => {}
            }
        }
    })
    .await;
    if finished.is_err() {
        client.stop_scanning().await?;
    }
    Ok(())
}

fn print_device(device: &Device) {
    let shown = device.display_name().unwrap_or(device.name());
    match device.timing_gap() {
        gap if gap.is_zero() => println!("device {}: {shown}", device.index()),
        gap => println!("device {}: {shown} (at most one command per {gap:?})", device.index()),
    }
    for feature in device.features() {
        println!("  feature {} {:?}", feature.index(), feature.description());
        for output in feature.outputs() {
            let steps = feature.output_range(output).map(|range| range.to_string());
            let durations = match (output, feature.duration_range()) {
                (bpio_client::OutputType::HwPositionWithDuration, Some(ms)) => {
                    format!(" over {ms} ms")
                }
                _ => String::new(),
            };
            println!("    output {output}: steps {}{durations}", steps.unwrap_or_default());
        }
        for input in feature.inputs() {
            let commands = feature.input(input).map(|props| props.command.clone());
            println!("    input {input}: {:?}", commands.unwrap_or_default());
        }
    }
}
