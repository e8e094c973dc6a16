//! Helpers shared by the tests: one place that calls the parser and prints its results.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bpio_protocol::{MessageSet, ParseError, SpecVersion, parse_frame, serialize_frame};
use bpio_protocol::{v0, v1, v2, v3, v4};
use serde::Serialize;

/// Which side's parser a transmission goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Client to server: parsed as the version's `ClientMessage`.
    ToServer,
    /// Server to client: parsed as the version's `ServerMessage`.
    ToClient,
}

/// Runs `$body` with `$client` and `$server` bound to the message set types of `$version`.
macro_rules! with_version {
    ($version:expr, |$client:ident, $server:ident| $body:expr) => {
        match $version {
            SpecVersion::V0 => {
                type $client = v0::ClientMessage;
                type $server = v0::ServerMessage;
                $body
            }
            SpecVersion::V1 => {
                type $client = v1::ClientMessage;
                type $server = v1::ServerMessage;
                $body
            }
            SpecVersion::V2 => {
                type $client = v2::ClientMessage;
                type $server = v2::ServerMessage;
                $body
            }
            SpecVersion::V3 => {
                type $client = v3::ClientMessage;
                type $server = v3::ServerMessage;
                $body
            }
            SpecVersion::V4 => {
                type $client = v4::ClientMessage;
                type $server = v4::ServerMessage;
                $body
            }
        }
    };
}

impl Direction {
    /// The direction of a transmission, from the name of its first message; client messages when
    /// no name can be read or the name is in both directions and not a server-only name of
    /// `version` (the server side is where hostile input arrives).
    pub(crate) fn of(bytes: &[u8], version: SpecVersion) -> Self {
        let first_key = std::str::from_utf8(bytes).ok().and_then(|text| {
            let start = text.find("[{\"")? + 3;
            let rest = text.get(start..)?;
            rest.get(..rest.find('"')?)
        });
        let server_only = |name: &str| {
            with_version!(version, |C, S| S::NAMES.contains(&name) && !C::NAMES.contains(&name))
        };
        match first_key {
            Some(name) if server_only(name) => Self::ToClient,
            _ => Self::ToServer,
        }
    }
}

/// One line per result: `ok <Name> id=<Id> <canonical JSON>` or `error id=<Id> code=<code> ...`.
pub(crate) fn dump(bytes: &[u8], version: SpecVersion, direction: Direction) -> String {
    with_version!(version, |C, S| match direction {
        Direction::ToServer => dump_results(&parse_frame::<C>(bytes)),
        Direction::ToClient => dump_results(&parse_frame::<S>(bytes)),
    })
}

/// Parses `text`, requires every message to parse, checks that serialize → parse is the identity
/// and returns the serialization.
pub(crate) fn round_trip(text: &str, version: SpecVersion) -> Result<String, String> {
    with_version!(version, |C, S| match Direction::of(text.as_bytes(), version) {
        Direction::ToServer => round_trip_as::<C>(text),
        Direction::ToClient => round_trip_as::<S>(text),
    })
}

fn round_trip_as<M: MessageSet + Serialize + PartialEq + std::fmt::Debug>(
    text: &str,
) -> Result<String, String> {
    let messages: Vec<M> = parse_frame::<M>(text.as_bytes())
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|err| format!("{err} (Id {})", err.id))?;
    let serialized = serialize_frame(&messages);
    let again: Vec<M> = parse_frame::<M>(serialized.as_bytes())
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|err| format!("re-parse: {err}"))?;
    if again != messages {
        return Err(format!("serialize → parse changed the messages: {serialized}"));
    }
    Ok(serialized)
}

pub(crate) fn dump_results<M: MessageSet + Serialize>(results: &[Result<M, ParseError>]) -> String {
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
