//! Scans, reads every readable input once (battery levels included), then subscribes to every
//! input that offers it and prints readings for a while.
//!
//! ```text
//! cargo run -p bpio-engine -- --simulate &
//! cargo run -p bpio-client --example sensors -- ws://127.0.0.1:12345 [SECONDS]
//! ```
//! The URL is the first argument, else `BPIO_SERVER_URL`, else `ws://127.0.0.1:12345`.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use anyhow::{Context, Result};
use bpio_client::{Client, Event, InputType, WebsocketConnector};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<()> {
    let url = std::env::args().nth(1).or_else(|| std::env::var("BPIO_SERVER_URL").ok());
    let seconds: u64 = std::env::args().nth(2).map_or(Ok(10), |s| s.parse()).context("SECONDS")?;
    run(url.as_deref().unwrap_or("ws://127.0.0.1:12345"), Duration::from_secs(seconds)).await
}

/// Listens to subscriptions for `listen`.
pub(crate) async fn run(url: &str, listen: Duration) -> Result<()> {
    let client = Client::connect("bpio sensors example", WebsocketConnector::new(url)).await?;
    let mut events = client.events();
    client.start_scanning().await?;
    while let Some(event) = events.next().await {
        if matches!(event, Event::ScanningFinished) {
            break;
        }
    }

    let mut subscriptions = Vec::new();
    for device in client.devices() {
        if device.has_input(InputType::Battery) {
            println!("{}: battery {} %", device.name(), device.battery().await?);
        }
        for feature in device.features() {
            for input in feature.inputs() {
                let Some(props) = feature.input(input) else { continue };
                if props.accepts(bpio_client::InputCommandType::Read) && input != InputType::Battery
                {
                    let reading = feature.read(input).await?;
                    println!(
                        "{} feature {}: {input} {}",
                        device.name(),
                        feature.index(),
                        reading.value()
                    );
                }
                if props.accepts(bpio_client::InputCommandType::Subscribe) {
                    let label = format!("{} feature {}", device.name(), feature.index());
                    let subscription = feature.subscribe(input).await?;
                    subscriptions.push(subscription.map(move |reading| (label.clone(), reading)));
                }
            }
        }
    }

    println!("listening to {} subscription(s) for {listen:?}", subscriptions.len());
    let mut readings = futures_util::stream::select_all(subscriptions);
    let _ = tokio::time::timeout(listen, async {
        while let Some((label, reading)) = readings.next().await {
            println!("{label}: {} {}", reading.input_type(), reading.value());
        }
    })
    .await;
    // Dropping the streams unsubscribes; a stop ends every subscription at once as well.
    drop(readings);
    client.stop().await?;
    client.disconnect().await;
    Ok(())
}
