//! Hostile input, over a real websocket: every malformed or hostile transmission gets exactly
//! the replies the table names (docs/PROTOCOL.md 5.3), the session answers a Ping afterwards,
//! frames the transport must refuse close the connection and stop the devices, and running the
//! whole table again does not grow memory.
//!
//! The engine is served in process (`bpio_engine::serve`) with the simulated devices of
//! `--simulate`, so the test can drop a device and read what each device was sent. The client is
//! a bare tokio-tungstenite socket, so it can send what no well-behaved client would.

use bpio::server::SessionConfig;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{raw_socket, resident_kib, serve, within};

/// The transport's default size limit, which `serve` keeps.
const MAX_MESSAGE: usize = 1 << 20;
const MAX_PER_FRAME: usize = 1000;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a case sends.
enum Send {
    Text(String),
    Binary(Vec<u8>),
    /// A text frame whose payload is not UTF-8 (RFC 6455 requires failing the connection).
    BadUtf8(Vec<u8>),
}

/// What a case expects: the replies in order, summarised as `Ok <id>` / `Error <id> <code>`, or
/// that the connection is closed with a close code.
enum Expect {
    Replies(Vec<String>),
    Closed(u16),
}

struct Case {
    name: &'static str,
    send: Send,
    expect: Expect,
}

fn text(name: &'static str, frame: impl Into<String>, replies: &[&str]) -> Case {
    let replies = replies.iter().map(|r| (*r).to_owned()).collect();
    Case { name, send: Send::Text(frame.into()), expect: Expect::Replies(replies) }
}

fn output(device: u32, feature: u32, command: &str) -> String {
    format!(
        r#"[{{"OutputCmd":{{"Id":7,"DeviceIndex":{device},"FeatureIndex":{feature},"Command":{command}}}}}]"#
    )
}

fn input(device: u32, feature: u32, kind: &str, command: &str) -> String {
    format!(
        r#"[{{"InputCmd":{{"Id":7,"DeviceIndex":{device},"FeatureIndex":{feature},"Type":"{kind}","Command":"{command}"}}}}]"#
    )
}

/// The table. Devices: 0 Hush (vibrate 0..20, battery), 1 Edge, 2 Nora (dropped before the
/// table runs), 3 TCode stroker (position 0..999, duration 0..99999), 4 sensor (pressure,
/// button, vibrate 0..100, battery).
fn cases() -> Vec<Case> {
    let e03 = "Error 0 3";
    let e73 = "Error 7 3";
    let e74 = "Error 7 4";
    let pings = |n: usize| {
        let body: Vec<String> = (1..=n).map(|id| format!(r#"{{"Ping":{{"Id":{id}}}}}"#)).collect();
        format!("[{}]", body.join(","))
    };
    let oks = |n: usize| (1..=n).map(|id| format!("Ok {id}")).collect::<Vec<_>>();
    let mut over_limit = oks(MAX_PER_FRAME);
    over_limit.push(e03.to_owned());
    let at_limit = oks(MAX_PER_FRAME);
    vec![
        // Transmissions that are not a message array.
        text("empty", "", &[e03]),
        text("whitespace only", " \n\t ", &[e03]),
        text("empty array", "[]", &[e03]),
        text("object, not array", "{}", &[e03]),
        text("null", "null", &[e03]),
        text("number", "42", &[e03]),
        text("string", r#""Ping""#, &[e03]),
        text("array of numbers", "[1,2]", &[e03, e03]),
        text("array of arrays", "[[]]", &[e03]),
        text("empty object element", "[{}]", &[e03]),
        text("two keys in one element", r#"[{"Ping":{"Id":7},"Ok":{"Id":8}}]"#, &[e03]),
        text("truncated", r#"[{"Ping":{"Id":7}"#, &[e03]),
        text("trailing comma", r#"[{"Ping":{"Id":7}},]"#, &[e03]),
        text("garbage after a good array", r#"[{"Ping":{"Id":7}}] trailing"#, &["Ok 7", e03]),
        text("two arrays", r#"[{"Ping":{"Id":7}}][{"Ping":{"Id":8}}]"#, &["Ok 7", "Ok 8"]),
        text("byte order mark", "\u{feff}[{\"Ping\":{\"Id\":7}}]", &[e03]),
        text("control character in a string", "[{\"Ping\":{\"Id\":7,\"x\":\"a\u{1}b\"}}]", &[e03]),
        text(
            "NaN",
            r#"[{"OutputCmd":{"Id":7,"DeviceIndex":0,"FeatureIndex":0,"Command":{"Vibrate":{"Value":NaN}}}}]"#,
            &[e03],
        ),
        text("deep nesting", "[".repeat(100_000), &[e03]),
        text(
            "deep nesting in a body",
            format!(r#"[{{"Ping":{{"Id":7,"x":{}1{}}}}}]"#, "[".repeat(5000), "]".repeat(5000)),
            &[e73],
        ),
        text(
            "a 900 kB string field",
            format!(r#"[{{"Ping":{{"Id":7,"Note":"{}"}}}}]"#, "A".repeat(900_000)),
            &[e73],
        ),
        text(
            "10 000 keys in a body",
            format!(
                r#"[{{"Ping":{{"Id":7,{}}}}}]"#,
                (0..10_000).map(|i| format!(r#""k{i}":{i}"#)).collect::<Vec<_>>().join(",")
            ),
            &[e73],
        ),
        Case {
            name: "thousands of messages in one transmission",
            send: Send::Text(pings(5000)),
            expect: Expect::Replies(over_limit),
        },
        Case {
            name: "exactly the message limit",
            send: Send::Text(pings(MAX_PER_FRAME)),
            expect: Expect::Replies(at_limit),
        },
        Case {
            name: "binary frame",
            send: Send::Binary(br#"[{"Ping":{"Id":7}}]"#.to_vec()),
            expect: Expect::Replies(vec![e03.to_owned()]),
        },
        Case {
            name: "empty binary frame",
            send: Send::Binary(Vec::new()),
            expect: Expect::Replies(vec![e03.to_owned()]),
        },
        // Ids.
        text("Id 0", r#"[{"Ping":{"Id":0}}]"#, &[e03]),
        text("negative Id", r#"[{"Ping":{"Id":-1}}]"#, &[e03]),
        text("float Id", r#"[{"Ping":{"Id":1.5}}]"#, &[e03]),
        text("Id in exponent form", r#"[{"Ping":{"Id":1e3}}]"#, &[e03]),
        text("string Id", r#"[{"Ping":{"Id":"7"}}]"#, &[e03]),
        text("null Id", r#"[{"Ping":{"Id":null}}]"#, &[e03]),
        text("missing Id", r#"[{"Ping":{}}]"#, &[e03]),
        text("Id above u32", r#"[{"Ping":{"Id":4294967296}}]"#, &[e03]),
        text("huge Id", r#"[{"Ping":{"Id":123456789012345678901234567890}}]"#, &[e03]),
        text("Id beyond f64", r#"[{"Ping":{"Id":1e400}}]"#, &[e03]),
        text("largest Id", r#"[{"Ping":{"Id":4294967295}}]"#, &["Ok 4294967295"]),
        // Message names and shapes.
        text("unknown message", r#"[{"Pong":{"Id":7}}]"#, &[e73]),
        text("server message from a client", r#"[{"Ok":{"Id":7}}]"#, &[e73]),
        text("lower-case name", r#"[{"ping":{"Id":7}}]"#, &[e73]),
        text(
            "legacy message in a v4 session",
            r#"[{"VibrateCmd":{"Id":7,"DeviceIndex":0,"Speeds":[{"Index":0,"Speed":0.5}]}}]"#,
            &[e73],
        ),
        text("unknown field", r#"[{"Ping":{"Id":7,"Extra":true}}]"#, &[e73]),
        // Which of two Ids is meant is unknowable: the reply carries none.
        text("duplicate field", r#"[{"Ping":{"Id":7,"Id":8}}]"#, &[e03]),
        text("body is a number", r#"[{"Ping":7}]"#, &[e03]),
        text("body is an array", r#"[{"Ping":[7]}]"#, &[e03]),
        text("body is null", r#"[{"Ping":null}]"#, &[e03]),
        text(
            "second handshake",
            r#"[{"RequestServerInfo":{"Id":7,"ClientName":"again","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#,
            &["Error 7 1"],
        ),
        text(
            "one bad message between good ones",
            r#"[{"Ping":{"Id":7}},{"Ping":{"Id":0}},{"Ping":{"Id":8}}]"#,
            &["Ok 7", e03, "Ok 8"],
        ),
        // Output commands.
        text(
            "OutputCmd without Command",
            r#"[{"OutputCmd":{"Id":7,"DeviceIndex":0,"FeatureIndex":0}}]"#,
            &[e73],
        ),
        text("unknown output type", output(0, 0, r#"{"Wiggle":{"Value":1}}"#), &[e73]),
        text(
            "two output types at once",
            output(0, 0, r#"{"Vibrate":{"Value":1},"Rotate":{"Value":1}}"#),
            &[e73],
        ),
        text("float value", output(0, 0, r#"{"Vibrate":{"Value":1.5}}"#), &[e73]),
        text("string value", output(0, 0, r#"{"Vibrate":{"Value":"5"}}"#), &[e73]),
        // A well-formed integer outside the feature's range, however large, is a device error.
        text("huge value", output(0, 0, r#"{"Vibrate":{"Value":100000000000000000000}}"#), &[e74]),
        text(
            "negative value on a 0..N output",
            output(0, 0, r#"{"Vibrate":{"Value":-1}}"#),
            &[e74],
        ),
        text("one above the range", output(0, 0, r#"{"Vibrate":{"Value":21}}"#), &[e74]),
        text("i32 max", output(0, 0, r#"{"Vibrate":{"Value":2147483647}}"#), &[e74]),
        text("no such device", output(99, 0, r#"{"Vibrate":{"Value":1}}"#), &[e74]),
        text(
            "negative device index",
            output(0, 0, r#"{"Vibrate":{"Value":1}}"#)
                .replace(r#""DeviceIndex":0"#, r#""DeviceIndex":-1"#),
            &[e73],
        ),
        text("no such feature", output(0, 99, r#"{"Vibrate":{"Value":1}}"#), &[e74]),
        text("output on an input-only feature", output(0, 1, r#"{"Vibrate":{"Value":1}}"#), &[e74]),
        text("output type the feature lacks", output(0, 0, r#"{"Rotate":{"Value":1}}"#), &[e74]),
        text("device that was removed", output(2, 0, r#"{"Vibrate":{"Value":1}}"#), &[e74]),
        text(
            "duration above the range",
            output(3, 0, r#"{"HwPositionWithDuration":{"Value":10,"Duration":100000}}"#),
            &[e74],
        ),
        text(
            "negative duration",
            output(3, 0, r#"{"HwPositionWithDuration":{"Value":10,"Duration":-5}}"#),
            &[e74],
        ),
        text(
            "position without duration field",
            output(3, 0, r#"{"HwPositionWithDuration":{"Value":10}}"#),
            &[e73],
        ),
        // Input and stop commands.
        text("unknown input type", input(0, 1, "Smell", "Read"), &[e73]),
        text("unknown input command", input(0, 1, "Battery", "Sniff"), &[e73]),
        text("subscribe to a read-only input", input(0, 1, "Battery", "Subscribe"), &[e74]),
        text("read an output feature", input(0, 0, "Battery", "Read"), &[e74]),
        text("read a removed device", input(2, 2, "Battery", "Read"), &[e74]),
        text("read a subscribe-only input", input(4, 1, "Button", "Read"), &[e74]),
        text("StopCmd on a missing device", r#"[{"StopCmd":{"Id":7,"DeviceIndex":99}}]"#, &[e74]),
        text(
            "StopCmd on a missing feature",
            r#"[{"StopCmd":{"Id":7,"DeviceIndex":0,"FeatureIndex":99}}]"#,
            &[e74],
        ),
        text("StopCmd with a string flag", r#"[{"StopCmd":{"Id":7,"Inputs":"yes"}}]"#, &[e73]),
    ]
}

/// Cases after which the server must close the connection.
fn closing_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a 10 MB transmission",
            send: Send::Text(format!(r#"[{{"Ping":{{"Id":7,"x":"{}"}}}}]"#, "A".repeat(10 << 20))),
            expect: Expect::Closed(1009),
        },
        Case {
            name: "one byte over the size limit",
            send: Send::Text(" ".repeat(MAX_MESSAGE + 1)),
            expect: Expect::Closed(1009),
        },
        Case {
            name: "a 2 MB binary frame",
            send: Send::Binary(vec![0; 2 << 20]),
            expect: Expect::Closed(1009),
        },
        Case {
            name: "a text frame that is not UTF-8",
            send: Send::BadUtf8(b"[{\"Ping\":{\"Id\":7,\"x\":\"\xff\xfe\"}}]".to_vec()),
            expect: Expect::Closed(1007),
        },
    ]
}

fn hostile_config() -> SessionConfig {
    SessionConfig { max_messages_per_frame: MAX_PER_FRAME, ..SessionConfig::new("hostile") }
}

async fn send(socket: &mut Socket, what: &Send) {
    let message = match what {
        Send::Text(text) => Message::text(text.as_str()),
        Send::Binary(bytes) => Message::binary(bytes.clone()),
        Send::BadUtf8(bytes) => {
            let header = FrameHeader { opcode: OpCode::Data(Data::Text), ..FrameHeader::default() };
            Message::Frame(Frame::from_payload(header, bytes.clone().into()))
        }
    };
    // A server that closes at once may make the send itself fail; the close is checked later.
    let _ = socket.send(message).await;
}

/// The next message as a summary (`Ok 7`, `Error 7 3`, or its name and Id).
async fn next(socket: &mut Socket) -> Result<String, Option<u16>> {
    loop {
        match within("a reply", socket.next()).await {
            Some(Ok(Message::Text(text))) => {
                let frame: Value = serde_json::from_str(&text).unwrap();
                let [message] = frame.as_array().unwrap().as_slice() else {
                    panic!("one message per frame: {text}");
                };
                let (name, body) = message.as_object().unwrap().iter().next().unwrap();
                return Ok(match name.as_str() {
                    "Error" => format!("Error {} {}", body["Id"], body["ErrorCode"]),
                    _ => format!("{name} {}", body["Id"]),
                });
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(frame.map(|f: CloseFrame| u16::from(f.code)));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Err(None),
        }
    }
}

async fn handshake(socket: &mut Socket) {
    let hello = r#"[{"RequestServerInfo":{"Id":1,"ClientName":"hostile","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#;
    send(socket, &Send::Text(hello.into())).await;
    assert_eq!(next(socket).await, Ok("ServerInfo 1".to_owned()));
}

/// Sends every case on one session; after each, a Ping must be answered. Returns the failures.
async fn run_table(url: &str) -> Vec<String> {
    let mut socket = raw_socket(url).await;
    handshake(&mut socket).await;
    let mut failures = Vec::new();
    for case in cases() {
        send(&mut socket, &case.send).await;
        send(&mut socket, &Send::Text(r#"[{"Ping":{"Id":4242}}]"#.into())).await;
        let mut got = Vec::new();
        loop {
            match next(&mut socket).await {
                Ok(reply) if reply == "Ok 4242" => break,
                Ok(reply) => got.push(reply),
                Err(code) => panic!("{}: the connection closed ({code:?})", case.name),
            }
        }
        let Expect::Replies(expected) = &case.expect else { unreachable!() };
        if &got != expected {
            let shown = |v: &[String]| {
                if v.len() > 6 {
                    format!("{} replies ending {:?}", v.len(), v.last())
                } else {
                    format!("{v:?}")
                }
            };
            failures.push(format!(
                "{}: expected {}, got {}",
                case.name,
                shown(expected),
                shown(&got)
            ));
        }
    }
    drop(socket);
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_transmission_gets_its_exact_replies_and_the_session_goes_on() {
    crate::in_own_process(
        "hostile::every_hostile_transmission_gets_its_exact_replies_and_the_session_goes_on",
        hostile_table(),
    )
    .await;
}

async fn hostile_table() {
    let (url, devices) = serve(hostile_config()).await;
    // Scan, then drop the Nora so its index is one of a removed device.
    let mut socket = raw_socket(&url).await;
    handshake(&mut socket).await;
    send(&mut socket, &Send::Text(r#"[{"StartScanning":{"Id":2}}]"#.into())).await;
    while next(&mut socket).await != Ok("ScanningFinished 0".to_owned()) {}
    devices.nora.drop_connection();
    while next(&mut socket).await != Ok("DeviceList 0".to_owned()) {}
    drop(socket);

    assert!(cases().len() + closing_cases().len() >= 60);
    let failures = run_table(&url).await;
    assert!(failures.is_empty(), "{} cases failed:\n{}", failures.len(), failures.join("\n"));
    let after_first = resident_kib();
    for _ in 0..2 {
        assert_eq!(run_table(&url).await, Vec::<String>::new());
    }
    let after_third = resident_kib();
    // Allocator noise is a few MB at most; a leak per pass of this table would be far more.
    assert!(
        after_third < after_first + 16 * 1024,
        "resident memory grew from {after_first} KiB to {after_third} KiB over two more passes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_the_transport_refuses_close_the_connection_and_stop_the_devices() {
    let (url, devices) = serve(hostile_config()).await;
    let mut socket = raw_socket(&url).await;
    handshake(&mut socket).await;
    send(&mut socket, &Send::Text(r#"[{"StartScanning":{"Id":2}}]"#.into())).await;
    while next(&mut socket).await != Ok("ScanningFinished 0".to_owned()) {}
    drop(socket);
    for case in closing_cases() {
        let mut socket = raw_socket(&url).await;
        handshake(&mut socket).await;
        send(&mut socket, &Send::Text(output(0, 0, r#"{"Vibrate":{"Value":10}}"#))).await;
        assert_eq!(next(&mut socket).await, Ok("Ok 7".to_owned()), "{}", case.name);
        send(&mut socket, &case.send).await;
        let Expect::Closed(code) = case.expect else { unreachable!() };
        let closed = loop {
            match next(&mut socket).await {
                Ok(_) => {}
                Err(closed) => break closed,
            }
        };
        assert_eq!(closed, Some(code), "{}", case.name);
        crate::safety::stopped(&devices.hush).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_the_handshake_only_a_handshake_is_accepted() {
    let (url, _devices) = serve(hostile_config()).await;
    let mut socket = raw_socket(&url).await;
    for (frame, expected) in [
        (r#"[{"Ping":{"Id":3}}]"#, "Error 3 1"),
        (
            r#"[{"VibrateCmd":{"Id":4,"DeviceIndex":0,"Speeds":[{"Index":0,"Speed":0.5}]}}]"#,
            "Error 4 1",
        ),
        // Malformed in every version: a parse error, not a handshake error.
        (r#"[{"VibrateCmd":{"Id":5,"DeviceIndex":0,"Speeds":[]}}]"#, "Error 5 3"),
        ("nonsense", "Error 0 3"),
        (r#"[{"Pong":{"Id":6}}]"#, "Error 6 3"),
    ] {
        send(&mut socket, &Send::Text(frame.into())).await;
        assert_eq!(next(&mut socket).await, Ok(expected.to_owned()), "{frame}");
    }
    // A client newer than the server is refused and the connection closed.
    let newer = r#"[{"RequestServerInfo":{"Id":7,"ClientName":"x","ProtocolVersionMajor":5,"ProtocolVersionMinor":0}}]"#;
    send(&mut socket, &Send::Text(newer.into())).await;
    assert_eq!(next(&mut socket).await, Ok("Error 7 1".to_owned()));
    assert_eq!(next(&mut socket).await, Err(Some(1000)));
}
