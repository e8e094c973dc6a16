//! Transmission-level behaviour from docs/PROTOCOL.md 2.1, 3 and 5.3.

use bpio_protocol::v4::{ClientMessage, OutputCommand, ServerMessage};
use bpio_protocol::{
    ErrorCode, IdProblem, MessageSet, ParseError, ParseErrorKind, parse_frame, serialize_frame,
};

/// One parse result in short: (Id, message name) or (Id, error kind).
type Outcome = Result<(u32, &'static str), (u32, ParseErrorKind)>;

/// The results of a client transmission.
fn check(input: &[u8]) -> Vec<Outcome> {
    parse_frame::<ClientMessage>(input)
        .into_iter()
        .map(|result| match result {
            Ok(message) => Ok((message.id(), message.name())),
            Err(ParseError { id, kind }) => Err((id, kind)),
        })
        .collect()
}

fn unknown(name: &str) -> ParseErrorKind {
    ParseErrorKind::UnknownMessage { name: name.to_owned() }
}

#[test]
fn spec_example_concatenated_arrays_are_handled_independently() {
    let results = check(br#"[{"Ping":{"Id":1}}][{"Pong":{"Id":2}}][{"Ping":{"Id":3}}]"#);
    assert_eq!(results, vec![Ok((1, "Ping")), Err((2, unknown("Pong"))), Ok((3, "Ping"))]);
}

#[test]
fn several_messages_in_one_array_keep_their_order() {
    let results =
        check(br#"[{"Ping":{"Id":41}},{"RequestDeviceList":{"Id":42}},{"StopCmd":{"Id":43}}]"#);
    assert_eq!(results, vec![Ok((41, "Ping")), Ok((42, "RequestDeviceList")), Ok((43, "StopCmd"))]);
}

#[test]
fn a_bad_message_does_not_hide_its_neighbours() {
    let results = check(
        br#"[{"Ping":{"Id":1}},{"Ping":{"Id":2,"Extra":true}},{"Ping":{"Id":0}},"text",{"Ping":{"Id":5}}]"#,
    );
    assert_eq!(results.len(), 5);
    assert_eq!(results[0], Ok((1, "Ping")));
    assert!(matches!(&results[1], Err((2, ParseErrorKind::InvalidFields { message, reason }))
        if message == "Ping" && reason.contains("Extra")));
    assert_eq!(
        results[2],
        Err((0, ParseErrorKind::InvalidId { message: "Ping".into(), problem: IdProblem::Zero }))
    );
    assert_eq!(results[3], Err((0, ParseErrorKind::NotAMessageObject)));
    assert_eq!(results[4], Ok((5, "Ping")));
}

#[test]
fn empty_and_blank_transmissions_get_one_error() {
    for input in [&b""[..], b"   \n\t "] {
        assert_eq!(check(input), vec![Err((0, ParseErrorKind::Empty))], "{input:?}");
    }
}

#[test]
fn non_array_values_are_refused_and_the_rest_still_handled() {
    let results = check(br#"{"Ping":{"Id":1}} 7 [] [{"Ping":{"Id":2}}]"#);
    assert_eq!(
        results,
        vec![
            Err((0, ParseErrorKind::NotAnArray)),
            Err((0, ParseErrorKind::NotAnArray)),
            Err((0, ParseErrorKind::EmptyArray)),
            Ok((2, "Ping")),
        ]
    );
}

#[test]
fn broken_json_ends_the_transmission_after_what_came_before() {
    let results = check(br#"[{"Ping":{"Id":1}}] [{"Ping":{"Id":2}} [{"Ping":{"Id":3}}]"#);
    assert_eq!(results.len(), 2);
    assert_eq!(results[0], Ok((1, "Ping")));
    assert!(matches!(&results[1], Err((0, ParseErrorKind::Syntax { line: 1, .. }))), "{results:?}");
}

#[test]
fn invalid_utf8_is_reported_once_after_the_valid_prefix() {
    let mut input = br#"[{"Ping":{"Id":1}}] "#.to_vec();
    input.extend_from_slice(&[0xff, 0xfe]);
    input.extend_from_slice(br#"[{"Ping":{"Id":2}}]"#);
    assert_eq!(
        check(&input),
        vec![Ok((1, "Ping")), Err((0, ParseErrorKind::InvalidUtf8 { valid_up_to: 20 }))]
    );

    // Bad bytes inside a value: that value is lost, one error only.
    let mut input = br#"[{"Ping":{"Id":1}}][{"Ping":{"Id":"#.to_vec();
    input.push(0xc3);
    assert_eq!(
        check(&input),
        vec![Ok((1, "Ping")), Err((0, ParseErrorKind::InvalidUtf8 { valid_up_to: 34 }))]
    );
}

#[test]
fn error_ids_follow_the_element_id_when_it_is_valid() {
    let cases: [(&[u8], u32); 10] = [
        (br#"[{"Nope":{"Id":9}}]"#, 9),
        (br#"[{"Nope":{"Id":0}}]"#, 0),
        (br#"[{"Nope":{}}]"#, 0),
        (br#"[{"Ping":{"Id":4294967295,"X":1}}]"#, 4_294_967_295),
        (br#"[{"Ping":{"Id":4294967296}}]"#, 0),
        (br#"[{"Ping":{"Id":-3}}]"#, 0),
        (br#"[{"Ping":{"Id":3.0}}]"#, 0),
        (br#"[{"Ping":7}]"#, 0),
        // An array body is no object, whatever it holds.
        (br#"[{"Ping":[5]}]"#, 0),
        (br#"[{"OutputCmd":{"Id":6,"DeviceIndex":0,"FeatureIndex":0,"Command":{"Vibrate":[5]}}}]"#, 6),
    ];
    for (input, id) in cases {
        let results = parse_frame::<ClientMessage>(input);
        assert_eq!(results.len(), 1);
        let err = results[0].as_ref().unwrap_err();
        assert_eq!(
            (err.id, err.code()),
            (id, ErrorCode::Msg),
            "{}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn id_problems_are_named() {
    let problem = |input: &[u8]| match &parse_frame::<ClientMessage>(input)[0] {
        Err(ParseError { kind: ParseErrorKind::InvalidId { problem, .. }, .. }) => *problem,
        other => panic!("{other:?}"),
    };
    assert_eq!(problem(br#"[{"Ping":{}}]"#), IdProblem::Missing);
    assert_eq!(problem(br#"[{"Ping":{"Id":1,"Id":2}}]"#), IdProblem::Duplicate);
    assert_eq!(problem(br#"[{"Ping":{"Id":"1"}}]"#), IdProblem::NotAnInteger);
    assert_eq!(problem(br#"[{"Ping":{"Id":1e2}}]"#), IdProblem::NotAnInteger);
    assert_eq!(problem(br#"[{"Ping":{"Id":0}}]"#), IdProblem::Zero);
    assert_eq!(problem(br#"[{"Ping":{"Id":99999999999999999999999}}]"#), IdProblem::OutOfRange);
}

#[test]
fn server_messages_from_a_client_are_the_wrong_direction() {
    let results = check(br#"[{"Ok":{"Id":3}},{"DeviceList":{"Id":4,"Devices":{}}}]"#);
    for (result, (id, name)) in results.iter().zip([(3, "Ok"), (4, "DeviceList")]) {
        assert_eq!(
            *result,
            Err((id, ParseErrorKind::WrongDirection { name: name.into(), receiver: "server" })),
        );
    }
    // And the other way round, for a client reading a server.
    let results = parse_frame::<ServerMessage>(br#"[{"Ping":{"Id":3}}]"#);
    assert!(matches!(
        &results[0],
        Err(ParseError { id: 3, kind: ParseErrorKind::WrongDirection { .. } })
    ));
}

#[test]
fn output_values_accept_any_integer_and_nothing_else() {
    let value = |raw: &str| {
        let input = format!(
            r#"[{{"OutputCmd":{{"Id":1,"DeviceIndex":0,"FeatureIndex":0,"Command":{{"Vibrate":{{"Value":{raw}}}}}}}}}]"#
        );
        match parse_frame::<ClientMessage>(input.as_bytes()).remove(0) {
            Ok(ClientMessage::OutputCmd(cmd)) => Ok(cmd.command.value()),
            Ok(other) => panic!("{other:?}"),
            Err(err) => Err((err.id, err.code())),
        }
    };
    assert_eq!(value("12"), Ok(12));
    assert_eq!(value("-4"), Ok(-4));
    assert_eq!(value("0"), Ok(0));
    // Too big for any integer type: still an integer, left for the range check (code 4).
    assert_eq!(value("123456789012345678901234567890"), Ok(i64::MAX));
    assert_eq!(value("-123456789012345678901234567890"), Ok(i64::MIN));
    for wrong in ["1.5", "2.0", "1e3", "-0.0", "\"3\"", "null", "true", "[1]", "{}"] {
        assert_eq!(value(wrong), Err((1, ErrorCode::Msg)), "{wrong}");
    }
}

#[test]
fn output_command_needs_exactly_one_known_key() {
    let command = |raw: &str| {
        let input = format!(
            r#"[{{"OutputCmd":{{"Id":8,"DeviceIndex":1,"FeatureIndex":2,"Command":{raw}}}}}]"#
        );
        parse_frame::<ClientMessage>(input.as_bytes()).remove(0)
    };
    let Ok(ClientMessage::OutputCmd(cmd)) =
        command(r#"{"HwPositionWithDuration":{"Value":80,"Duration":450}}"#)
    else {
        panic!()
    };
    assert_eq!(
        cmd.command,
        OutputCommand::new(bpio_protocol::v4::OutputType::HwPositionWithDuration, 80, 450)
    );
    for bad in [
        "{}",
        r#"{"Vibrate":{"Value":1},"Rotate":{"Value":1}}"#,
        r#"{"RotateWithDirection":{"Value":1,"Clockwise":true}}"#,
        r#"{"vibrate":{"Value":1}}"#,
        r#"{"Vibrate":{"Value":1,"Duration":3}}"#,
        r#"{"HwPositionWithDuration":{"Value":1}}"#,
        r#"{"Vibrate":{}}"#,
        r#""Vibrate""#,
    ] {
        let err = command(bad).unwrap_err();
        assert_eq!((err.id, err.code()), (8, ErrorCode::Msg), "{bad}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for depth in [200, 100_000] {
        let input = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let results = check(input.as_bytes());
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
        let input = format!(r#"[{{"Ping":{}1{}}}]"#, "[".repeat(depth), "]".repeat(depth));
        assert!(check(input.as_bytes()).iter().all(Result::is_err));
        let input = format!(
            r#"[{{"Ping":{{"Id":1,"X":{}{}}}}}]"#,
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        );
        assert!(check(input.as_bytes()).iter().all(Result::is_err));
    }
}

#[test]
fn thousands_of_messages_in_one_frame_all_parse() {
    let messages: Vec<String> =
        (1..=5000).map(|id| format!(r#"{{"Ping":{{"Id":{id}}}}}"#)).collect();
    let input = format!("[{}]", messages.join(","));
    let results = check(input.as_bytes());
    assert_eq!(results.len(), 5000);
    assert!(results.iter().zip(1..).all(|(r, id)| *r == Ok((id, "Ping"))));
}

#[test]
fn escaped_message_names_are_read_as_names() {
    assert_eq!(check(br#"[{"P\u0069ng":{"Id":1}}]"#), vec![Ok((1, "Ping"))]);
}

#[test]
fn serialize_frame_writes_one_array() {
    let messages: Vec<ServerMessage> = vec![
        bpio_protocol::v4::Ok { id: 1 }.into(),
        bpio_protocol::v4::Error {
            id: 2,
            error_code: ErrorCode::Device,
            error_message: "gone".into(),
        }
        .into(),
    ];
    assert_eq!(
        serialize_frame(&messages),
        r#"[{"Ok":{"Id":1}},{"Error":{"Id":2,"ErrorCode":4,"ErrorMessage":"gone"}}]"#
    );
}
