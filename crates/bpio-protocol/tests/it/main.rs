//! Integration tests of bpio-protocol: golden fixtures, frame behaviour and properties (fuzz
//! regressions replay in the `bpio-fuzz` crate).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod convert;
mod fixtures;
mod frame;
mod handshake;
mod legacy_properties;
mod properties;
mod support;
