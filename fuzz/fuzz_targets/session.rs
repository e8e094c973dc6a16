//! Fuzzes a whole server session: arbitrary bytes cut into transmissions (at each 0xff byte)
//! and fed to a session that has finished its handshake, with every read answered.
//!
//! Beyond "does not panic": every message gets exactly one reply, as docs/PROTOCOL.md 3 demands.
#![no_main]

use bpio_fuzz::check_session;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_session(data));
