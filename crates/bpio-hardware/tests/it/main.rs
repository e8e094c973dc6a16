//! Integration tests: the simulated devices answer like their firmware.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "sim")]
mod sim;
