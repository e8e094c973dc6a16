//! Helpers shared by the tests: one place that calls the parser and prints its results.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bpio_protocol::v4::{ClientMessage, ServerMessage};
use bpio_protocol::{MessageSet, ParseError, parse_frame};
use serde::Serialize;

/// Which side's parser a transmission goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Client to server: parsed as [`ClientMessage`].
    ToServer,
    /// Server to client: parsed as [`ServerMessage`].
    ToClient,
}

impl Direction {
    /// The direction of a transmission, from the name of its first message; client messages when
    /// no name can be read (the server side is where hostile input arrives).
    pub(crate) fn of(bytes: &[u8]) -> Self {
        let first_key = std::str::from_utf8(bytes).ok().and_then(|text| {
            let start = text.find("[{\"")? + 3;
            let rest = text.get(start..)?;
            rest.get(..rest.find('"')?)
        });
        match first_key {
            Some(name) if ServerMessage::NAMES.contains(&name) => Self::ToClient,
            _ => Self::ToServer,
        }
    }
}

/// One line per result: `ok <Name> id=<Id> <canonical JSON>` or `error id=<Id> code=<code> ...`.
pub(crate) fn dump(bytes: &[u8], direction: Direction) -> String {
    match direction {
        Direction::ToServer => dump_results(&parse_frame::<ClientMessage>(bytes)),
        Direction::ToClient => dump_results(&parse_frame::<ServerMessage>(bytes)),
    }
}

fn dump_results<M: MessageSet + Serialize>(results: &[Result<M, ParseError>]) -> String {
    let mut out = String::new();
    for result in results {
        match result {
            Ok(message) => {
                let json = serde_json::to_string(message).unwrap();
                writeln!(out, "ok {} id={} {json}", message.name(), message.id()).unwrap();
            }
            Err(err) => {
                writeln!(out, "error id={} code={} {:?}", err.id, err.code(), err.kind).unwrap();
                writeln!(out, "  message: {err}").unwrap();
            }
        }
    }
    out
}

/// The crate's `test_data` folder.
pub(crate) fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data")
}

/// Every file below `dir` whose name ends in one of `extensions`, sorted; an empty list if the
/// folder does not exist.
pub(crate) fn files_in(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
