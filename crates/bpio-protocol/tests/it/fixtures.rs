//! Golden fixtures under `test_data/v{0..4}/`, found by walking the folders; each version's files
//! go through that version's parser.
//!
//! - `ok/*.json` must parse without error, and serialize back to exactly the file's text (the
//!   files are written in canonical form: compact, spec field order), and re-parse to the same
//!   messages.
//! - `ok/alias/*.json` use accepted alternative spellings: they must parse, and their canonical
//!   re-serialization is kept in a sibling `.txt` snapshot.
//! - `err/**/*.{json,bin}` must produce at least one error; every result is kept in a sibling
//!   `.txt` snapshot (error kind, code and Id). Re-bless with `UPDATE_EXPECT=1 cargo test`.

use bpio_protocol::SpecVersion;
use expect_test::expect_file;

use crate::support::{Direction, dump, files_in, round_trip, test_data};

/// The least number of fixtures each version folder must hold, so a misplaced folder fails.
fn minimum(version: SpecVersion, kind: &str) -> usize {
    match (version, kind) {
        (SpecVersion::V4, "ok") => 30,
        (SpecVersion::V4, _) => 40,
        (_, "ok") => 10,
        (_, _) => 5,
    }
}

fn folder(version: SpecVersion) -> std::path::PathBuf {
    test_data().join(format!("v{}", version.number()))
}

#[test]
fn ok_fixtures_round_trip_exactly() {
    for version in SpecVersion::ALL {
        let dir = folder(version).join("ok");
        let files: Vec<_> = files_in(&dir, &["json"])
            .into_iter()
            .filter(|f| !f.starts_with(dir.join("alias")))
            .collect();
        assert!(
            files.len() >= minimum(version, "ok"),
            "expected the {version} ok fixtures, found {}",
            files.len()
        );
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let canonical = round_trip(&text, version)
                .unwrap_or_else(|err| panic!("{}: {err}", file.display()));
            assert_eq!(
                canonical,
                text.trim_end(),
                "{}: serialization differs from the fixture",
                file.display()
            );
        }
    }
}

#[test]
fn alias_fixtures_parse_to_canonical_spelling() {
    for version in SpecVersion::ALL {
        for file in files_in(&folder(version).join("ok/alias"), &["json"]) {
            let text = std::fs::read_to_string(&file).unwrap();
            let canonical = round_trip(&text, version)
                .unwrap_or_else(|err| panic!("{}: {err}", file.display()));
            expect_file![file.with_extension("txt")].assert_eq(&format!("{canonical}\n"));
        }
    }
}

#[test]
fn err_fixtures_give_their_expected_errors() {
    for version in SpecVersion::ALL {
        let files = files_in(&folder(version).join("err"), &["json", "bin"]);
        assert!(
            files.len() >= minimum(version, "err"),
            "expected the {version} err fixtures, found {}",
            files.len()
        );
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let actual = dump(&bytes, version, Direction::of(&bytes, version));
            assert!(
                actual.contains("error id="),
                "{}: parsed without any error:\n{actual}",
                file.display()
            );
            expect_file![file.with_extension("txt")].assert_eq(&actual);
        }
    }
}
