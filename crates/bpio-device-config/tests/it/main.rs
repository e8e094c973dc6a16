//! Integration tests of `bpio-device-config` against the public reference data in `shared/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod embedded;
mod loading;
mod malformed;
mod matching;
mod support;
mod user;
