//! Integration tests: byte vectors for every protocol, run through the pure state machines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod driver;
mod refusal;
mod registry;
mod vector_format;
mod vectors;
