//! Golden fixtures under `test_data/v4/`, found by walking the folder.
//!
//! - `ok/*.json` must parse without error, and serialize back to exactly the file's text (the
//!   files are written in canonical form: compact, spec field order), and re-parse to the same
//!   messages.
//! - `ok/alias/*.json` use accepted alternative spellings: they must parse, and their canonical
//!   re-serialization is kept in a sibling `.txt` snapshot.
//! - `err/**/*.{json,bin}` must produce at least one error; every result is kept in a sibling
//!   `.txt` snapshot (error kind, code and Id). Re-bless with `UPDATE_EXPECT=1 cargo test`.

use std::path::Path;

use bpio_protocol::v4::{ClientMessage, ServerMessage};
use bpio_protocol::{MessageSet, parse_frame, serialize_frame};
use expect_test::expect_file;
use serde::Serialize;

use crate::support::{Direction, dump, files_in, test_data};

#[test]
fn ok_fixtures_round_trip_exactly() {
    let dir = test_data().join("v4/ok");
    let files: Vec<_> = files_in(&dir, &["json"])
        .into_iter()
        .filter(|f| !f.starts_with(dir.join("alias")))
        .collect();
    assert!(files.len() >= 30, "expected the v4 ok fixtures, found {}", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let canonical = match Direction::of(text.as_bytes()) {
            Direction::ToServer => round_trip::<ClientMessage>(&file, &text),
            Direction::ToClient => round_trip::<ServerMessage>(&file, &text),
        };
        assert_eq!(
            canonical,
            text.trim_end(),
            "{}: serialization differs from the fixture",
            file.display()
        );
    }
}

#[test]
fn alias_fixtures_parse_to_canonical_spelling() {
    for file in files_in(&test_data().join("v4/ok/alias"), &["json"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        let canonical = match Direction::of(text.as_bytes()) {
            Direction::ToServer => round_trip::<ClientMessage>(&file, &text),
            Direction::ToClient => round_trip::<ServerMessage>(&file, &text),
        };
        expect_file![file.with_extension("txt")].assert_eq(&format!("{canonical}\n"));
    }
}

#[test]
fn err_fixtures_give_their_expected_errors() {
    let files = files_in(&test_data().join("v4/err"), &["json", "bin"]);
    assert!(files.len() >= 40, "expected the v4 err fixtures, found {}", files.len());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let actual = dump(&bytes, Direction::of(&bytes));
        assert!(
            actual.contains("error id="),
            "{}: parsed without any error:\n{actual}",
            file.display()
        );
        expect_file![file.with_extension("txt")].assert_eq(&actual);
    }
}

/// Parses `text`, checks that it holds no error and that serialize → parse is the identity, and
/// returns the serialization.
fn round_trip<M: MessageSet + Serialize + PartialEq + std::fmt::Debug>(
    file: &Path,
    text: &str,
) -> String {
    let messages: Vec<M> = parse_frame::<M>(text.as_bytes())
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|err| panic!("{}: {err} (Id {})", file.display(), err.id))
        })
        .collect();
    let serialized = serialize_frame(&messages);
    let again: Vec<M> =
        parse_frame::<M>(serialized.as_bytes()).into_iter().map(Result::unwrap).collect();
    assert_eq!(again, messages, "{}: serialize → parse changed the messages", file.display());
    serialized
}
