//! Integration tests of bpio-protocol: golden fixtures, frame behaviour, properties and fuzz
//! regressions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod fixtures;
mod frame;
mod fuzz_regressions;
mod properties;
mod support;
