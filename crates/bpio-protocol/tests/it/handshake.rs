//! Pre-handshake transmissions under `test_data/handshake/`: every element is read with
//! `PreHandshake`, a `RequestServerInfo` is taken through version detection, and the outcome (the
//! reply a server gives) is compared with the sibling `.txt` snapshot. After a successful
//! handshake the rest of the transmission is read with the chosen version's message set, as a
//! server does.

use std::fmt::Write as _;

use bpio_protocol::convert::AnyClientMessage;
use bpio_protocol::{
    ErrorCode, MessageSet, PreHandshake, SpecVersion, split_frame, v0, v1, v2, v3, v4,
};
use expect_test::expect_file;

use crate::support::{files_in, test_data};

fn outcome(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut session: Option<SpecVersion> = None;
    for raw in split_frame(bytes) {
        if let Some(version) = session {
            let line = match raw.and_then(|raw| AnyClientMessage::parse(version, &raw)) {
                Ok(message) => format!("{version} message {}", name(&message)),
                Err(err) => format!("error id={} code={}: {err}", err.id, err.code()),
            };
            writeln!(out, "{line}").unwrap();
            continue;
        }
        let line = match raw.and_then(|raw| raw.parse::<PreHandshake>()) {
            Ok(PreHandshake::RequestServerInfo(request)) => {
                let id = request.id();
                match request.detect() {
                    Ok(handshake) => {
                        session = Some(handshake.version);
                        format!(
                            "handshake id={} version={} minor={} client={:?}",
                            handshake.id, handshake.version, handshake.minor, handshake.client_name
                        )
                    }
                    Err(err) => format!("error id={id} code={} (then close): {err}", err.code()),
                }
            }
            Ok(PreHandshake::Other(message)) => format!(
                "error id={} code={} not before the handshake: {} (a {} message)",
                message.id,
                ErrorCode::Init,
                message.name,
                message.version
            ),
            Err(err) => format!("error id={} code={}: {err}", err.id, err.code()),
        };
        writeln!(out, "{line}").unwrap();
    }
    out
}

#[test]
fn pre_handshake_transmissions_match_their_snapshots() {
    let files = files_in(&test_data().join("handshake"), &["json"]);
    assert!(files.len() >= 10, "expected the handshake cases, found {}", files.len());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        expect_file![file.with_extension("txt")].assert_eq(&outcome(&bytes));
    }
}

fn name(message: &AnyClientMessage) -> &'static str {
    match message {
        AnyClientMessage::V0(m) => v0::ClientMessage::name(m),
        AnyClientMessage::V1(m) => v1::ClientMessage::name(m),
        AnyClientMessage::V2(m) => v2::ClientMessage::name(m),
        AnyClientMessage::V3(m) => v3::ClientMessage::name(m),
        AnyClientMessage::V4(m) => v4::ClientMessage::name(m),
    }
}
