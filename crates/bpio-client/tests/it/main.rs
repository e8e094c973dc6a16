//! The client against servers the tests run: a scripted fake server on a real loopback websocket
//! (replies out of order, late, unreadable, and connections dropped mid-call), and the examples
//! against the engine with its simulated devices.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "websocket")]

mod examples;
mod fake_server;

use std::time::Duration;

/// Generous bound for anything that should happen at once; only reached when a test fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}
