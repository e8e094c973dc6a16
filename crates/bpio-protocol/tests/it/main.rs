//! Integration tests of bpio-protocol: golden fixtures, frame behaviour, properties and fuzz
//! regressions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod convert;
mod fixtures;
mod frame;
mod fuzz_regressions;
mod handshake;
mod legacy_properties;
mod properties;
mod support;
