//! Connects to a server, says what it learned, and disconnects.
//!
//! ```text
//! cargo run -p bpio-engine -- --simulate &
//! cargo run -p bpio-client --example connect -- ws://127.0.0.1:12345
//! ```
//! The URL is the first argument, else `BPIO_SERVER_URL`, else `ws://127.0.0.1:12345`.
#![allow(clippy::print_stdout)]

use anyhow::Result;
use bpio_client::{Client, WebsocketConnector};

#[tokio::main]
async fn main() -> Result<()> {
    let url = std::env::args().nth(1).or_else(|| std::env::var("BPIO_SERVER_URL").ok());
    run(url.as_deref().unwrap_or("ws://127.0.0.1:12345")).await
}

pub(crate) async fn run(url: &str) -> Result<()> {
    // The handshake, and the first device list, happen inside `connect`.
    let client = Client::connect("bpio connect example", WebsocketConnector::new(url)).await?;
    println!("connected to {url}: server {:?}", client.server_name());
    match client.max_ping_time() {
        time if time.is_zero() => println!("the server needs no pings"),
        time => println!("the server wants a ping within {time:?}; the client sends them"),
    }
    println!("{} device(s) connected before any scan", client.devices().len());
    client.disconnect().await;
    println!("disconnected");
    Ok(())
}
