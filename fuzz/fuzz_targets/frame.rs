//! Fuzzes the v4 frame parser with arbitrary bytes, from both directions.
//!
//! Beyond "does not panic", it checks the parser's contract: the result is never empty, and every
//! message that parses re-serializes to text that parses back to the same message.
#![no_main]

use bpio_fuzz::check_frame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_frame(data));
