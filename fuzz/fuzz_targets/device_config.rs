//! Fuzzes the device-config loaders: arbitrary bytes as a base database (format 4 or 5) and as a
//! user config on top of the embedded database. Errors are fine; panics are not, and a loaded
//! database must answer lookups.
#![no_main]

use bpio_fuzz::check_device_config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_device_config(data));
