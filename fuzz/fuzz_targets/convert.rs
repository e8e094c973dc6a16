//! Fuzzes the version converters: arbitrary bytes parsed as the client messages of every spec
//! version, lifted to v4 against a fixed device list, and every v4 server message the bytes
//! hold lowered to every version.
//!
//! Beyond "does not panic": a conversion yields commands that all carry the request's Id, or an
//! error carrying it; lowering never invents an Id.
#![no_main]

use bpio_fuzz::check_convert;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_convert(data));
