//! Scans, then drives every output of every device in turn, then stops everything.
//!
//! ```text
//! cargo run -p bpio-engine -- --simulate &
//! cargo run -p bpio-client --example control -- ws://127.0.0.1:12345
//! ```
//! The URL is the first argument, else `BPIO_SERVER_URL`, else `ws://127.0.0.1:12345`.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use anyhow::Result;
use bpio_client::{Client, Feature, OutputType, WebsocketConnector};

#[tokio::main]
async fn main() -> Result<()> {
    let url = std::env::args().nth(1).or_else(|| std::env::var("BPIO_SERVER_URL").ok());
    run(url.as_deref().unwrap_or("ws://127.0.0.1:12345"), Duration::from_secs(1)).await
}

/// Holds each setting for `pace`.
pub(crate) async fn run(url: &str, pace: Duration) -> Result<()> {
    let client = Client::connect("bpio control example", WebsocketConnector::new(url)).await?;
    let mut events = client.events();
    client.start_scanning().await?;
    while let Some(event) = events.next().await {
        if matches!(event, bpio_client::Event::ScanningFinished) {
            break;
        }
    }
    for device in client.devices() {
        println!("{}:", device.name());
        for feature in device.features() {
            drive(&feature, pace).await?;
        }
        // Stops every output of the device at once.
        device.stop().await?;
    }
    client.stop().await?;
    client.disconnect().await;
    Ok(())
}

async fn drive(feature: &Feature, pace: Duration) -> Result<()> {
    let index = feature.index();
    for output in feature.outputs() {
        match output {
            // Levels as fractions of each feature's range: 0.5 is half speed, whatever the
            // step count.
            OutputType::Vibrate => feature.vibrate(0.5).await?,
            OutputType::Rotate if feature.output_range(output).is_some_and(|r| r.min() < 0) => {
                feature.rotate_with_direction(0.5, false).await?;
            }
            OutputType::Rotate => feature.rotate(0.5).await?,
            OutputType::Oscillate => feature.oscillate(0.5).await?,
            OutputType::Constrict => feature.constrict(0.5).await?,
            OutputType::Temperature => feature.temperature(0.25).await?,
            OutputType::Led => feature.led(1.0).await?,
            OutputType::Spray => feature.spray(0.2).await?,
            // Or integer steps, sent as they are.
            OutputType::Position => feature.position(0).await?,
            OutputType::HwPositionWithDuration => {
                feature.position_with_duration(1.0, pace).await?;
            }
        }
        println!("  feature {index}: {output} running");
        tokio::time::sleep(pace).await;
    }
    Ok(())
}
