//! Inputs the fuzzer (`cargo xtask fuzz`) once found to break the parser, kept as regression tests
//! in `test_data/fuzz/`. Each must parse without panicking into a non-empty result whose messages
//! survive a serialize → parse round trip.

use bpio_protocol::v4::{ClientMessage, ServerMessage};
use bpio_protocol::{parse_frame, serialize_frame};

use crate::support::{files_in, test_data};

#[test]
fn fuzz_regressions_parse_without_panic() {
    for file in files_in(&test_data().join("fuzz"), &["bin", "json"]) {
        let bytes = std::fs::read(&file).unwrap();
        let client = parse_frame::<ClientMessage>(&bytes);
        assert!(!client.is_empty(), "{}", file.display());
        let messages: Vec<_> = client.into_iter().filter_map(Result::ok).collect();
        let again: Vec<_> = parse_frame::<ClientMessage>(serialize_frame(&messages).as_bytes())
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        if !messages.is_empty() {
            assert_eq!(again, messages, "{}", file.display());
        }
        assert!(!parse_frame::<ServerMessage>(&bytes).is_empty(), "{}", file.display());
    }
}
