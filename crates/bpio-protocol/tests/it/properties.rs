//! Property tests: the parser is total, and serialize → parse is the identity for every message.

use bpio_protocol::v4::{self, ClientMessage, ServerMessage};
use bpio_protocol::{ClientId, ErrorCode, MessageSet, parse_frame, serialize_frame};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn check_total(bytes: &[u8]) -> Result<(), TestCaseError> {
    for results in [
        parse_frame::<ClientMessage>(bytes)
            .into_iter()
            .map(|r| r.map(|m| m.id()))
            .collect::<Vec<_>>(),
        parse_frame::<ServerMessage>(bytes).into_iter().map(|r| r.map(|m| m.id())).collect(),
    ] {
        prop_assert!(!results.is_empty());
    }
    Ok(())
}

fn check_round_trip<M: MessageSet + serde::Serialize + PartialEq + std::fmt::Debug>(
    messages: &[M],
) -> Result<(), TestCaseError> {
    let text = serialize_frame(messages);
    let parsed: Vec<M> = parse_frame::<M>(text.as_bytes())
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|err| TestCaseError::fail(format!("{err} in {text}")))?;
    prop_assert_eq!(parsed, messages);
    Ok(())
}

proptest! {
    #[test]
    fn parser_is_total_on_bytes(bytes in vec(any::<u8>(), 0..512)) {
        check_total(&bytes)?;
    }

    #[test]
    fn parser_is_total_on_json_like_text(text in r#"[\[\]{}",:0-9a-zA-Z. \-]{0,200}"#) {
        check_total(text.as_bytes())?;
    }

    #[test]
    fn client_messages_round_trip(messages in vec(client_message(), 1..8)) {
        check_round_trip(&messages)?;
    }

    #[test]
    fn server_messages_round_trip(messages in vec(server_message(), 1..8)) {
        check_round_trip(&messages)?;
    }

    #[test]
    fn mutated_messages_never_panic(message in client_message(), at in any::<usize>(), byte in any::<u8>()) {
        let mut bytes = serialize_frame(&[message]).into_bytes();
        let at = at % bytes.len();
        bytes[at] = byte;
        check_total(&bytes)?;
    }
}

pub(crate) fn client_id() -> impl Strategy<Value = ClientId> {
    (1..=u32::MAX).prop_map(|id| ClientId::new(id).unwrap())
}

pub(crate) fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-zA-Z0-9 ]{1,12}", any::<String>()]
}

fn output_command() -> impl Strategy<Value = v4::OutputCommand> {
    (0..v4::OutputType::ALL.len(), any::<i64>(), any::<i64>()).prop_map(|(ty, value, duration)| {
        v4::OutputCommand::new(v4::OutputType::ALL[ty], value, duration)
    })
}

fn input_type() -> impl Strategy<Value = v4::InputType> {
    (0..v4::InputType::ALL.len()).prop_map(|i| v4::InputType::ALL[i])
}

fn input_command() -> impl Strategy<Value = v4::InputCommandType> {
    prop_oneof![
        Just(v4::InputCommandType::Read),
        Just(v4::InputCommandType::Subscribe),
        Just(v4::InputCommandType::Unsubscribe)
    ]
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        (client_id(), text(), any::<u32>(), any::<u32>()).prop_map(
            |(id, client_name, major, minor)| {
                v4::RequestServerInfo {
                    id,
                    client_name,
                    protocol_version_major: major,
                    protocol_version_minor: minor,
                }
                .into()
            }
        ),
        client_id().prop_map(|id| v4::Ping { id }.into()),
        client_id().prop_map(|id| v4::Disconnect { id }.into()),
        client_id().prop_map(|id| v4::StartScanning { id }.into()),
        client_id().prop_map(|id| v4::StopScanning { id }.into()),
        client_id().prop_map(|id| v4::RequestDeviceList { id }.into()),
        (client_id(), any::<u32>(), any::<u32>(), output_command()).prop_map(
            |(id, device_index, feature_index, command)| {
                v4::OutputCmd { id, device_index, feature_index, command }.into()
            }
        ),
        (client_id(), any::<u32>(), any::<u32>(), input_type(), input_command()).prop_map(
            |(id, device_index, feature_index, input_type, command)| {
                v4::InputCmd { id, device_index, feature_index, input_type, command }.into()
            }
        ),
        (
            client_id(),
            any::<Option<u32>>(),
            any::<Option<u32>>(),
            any::<Option<bool>>(),
            any::<Option<bool>>()
        )
            .prop_map(|(id, device_index, feature_index, inputs, outputs)| {
                v4::StopCmd { id, device_index, feature_index, inputs, outputs }.into()
            }),
    ]
}

fn range() -> impl Strategy<Value = v4::Range> {
    (any::<i32>(), any::<i32>()).prop_map(|(a, b)| v4::Range::new(a.min(b), a.max(b)).unwrap())
}

fn value_range() -> impl Strategy<Value = Option<v4::ValueRange>> {
    proptest::option::of(range().prop_map(|value| v4::ValueRange { value }))
}

fn feature_output() -> impl Strategy<Value = v4::FeatureOutput> {
    (
        (value_range(), value_range(), value_range(), value_range(), value_range()),
        (value_range(), value_range(), value_range()),
        proptest::option::of((range(), range())),
    )
        .prop_map(
            |((vibrate, rotate, oscillate, constrict, spray), (temperature, led, position), hw)| {
                v4::FeatureOutput {
                    vibrate,
                    rotate,
                    oscillate,
                    constrict,
                    spray,
                    temperature,
                    led,
                    position,
                    hw_position_with_duration: hw
                        .map(|(value, duration)| v4::PositionWithDurationRange { value, duration }),
                }
            },
        )
}

fn input_properties() -> impl Strategy<Value = Option<v4::InputProperties>> {
    proptest::option::of(
        (vec(range(), 1..3), vec(input_command(), 0..3))
            .prop_map(|(value, command)| v4::InputProperties { value, command }),
    )
}

fn feature_input() -> impl Strategy<Value = v4::FeatureInput> {
    (input_properties(), input_properties(), input_properties(), input_properties()).prop_map(
        |(battery, rssi, pressure, button)| v4::FeatureInput { battery, rssi, pressure, button },
    )
}

fn features() -> impl Strategy<Value = std::collections::BTreeMap<u32, v4::Feature>> {
    btree_map(
        0u32..16,
        (text(), proptest::option::of(feature_output()), proptest::option::of(feature_input())),
        0..4,
    )
    .prop_map(|map| {
        map.into_iter()
            .map(|(feature_index, (feature_description, output, input))| {
                let (output, input) = (output.map(Box::new), input.map(Box::new));
                (feature_index, v4::Feature { feature_index, feature_description, output, input })
            })
            .collect()
    })
}

pub(crate) fn device_list() -> impl Strategy<Value = v4::DeviceList> {
    (
        any::<u32>(),
        btree_map(
            any::<u32>(),
            (text(), proptest::option::of(text()), any::<u32>(), features()),
            0..4,
        ),
    )
        .prop_map(|(id, devices)| v4::DeviceList {
            id,
            devices: devices
                .into_iter()
                .map(|(device_index, (device_name, device_display_name, gap, device_features))| {
                    let device = v4::Device {
                        device_index,
                        device_name,
                        device_display_name,
                        device_message_timing_gap: gap,
                        device_features,
                    };
                    (device_index, device)
                })
                .collect::<std::collections::BTreeMap<_, _>>()
                .into(),
        })
}

fn reading() -> impl Strategy<Value = v4::Reading> {
    prop_oneof![
        any::<u8>().prop_map(|value| v4::Reading::Battery(v4::ReadingValue { value })),
        any::<i8>().prop_map(|value| v4::Reading::Rssi(v4::ReadingValue { value })),
        any::<u32>().prop_map(|value| v4::Reading::Pressure(v4::ReadingValue { value })),
        any::<u8>().prop_map(|value| v4::Reading::Button(v4::ReadingValue { value })),
    ]
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    (0u8..=4).prop_map(|code| ErrorCode::try_from(code).unwrap())
}

pub(crate) fn server_message() -> impl Strategy<Value = ServerMessage> {
    prop_oneof![
        (any::<u32>(), text(), any::<u32>(), any::<u32>(), any::<u32>()).prop_map(
            |(id, server_name, major, minor, max_ping_time)| {
                v4::ServerInfo {
                    id,
                    server_name,
                    protocol_version_major: major,
                    protocol_version_minor: minor,
                    max_ping_time,
                }
                .into()
            }
        ),
        any::<u32>().prop_map(|id| v4::Ok { id }.into()),
        (any::<u32>(), error_code(), text()).prop_map(|(id, error_code, error_message)| {
            v4::Error { id, error_code, error_message }.into()
        }),
        any::<u32>().prop_map(|id| v4::ScanningFinished { id }.into()),
        device_list().prop_map(Into::into),
        (any::<u32>(), any::<u32>(), any::<u32>(), reading()).prop_map(
            |(id, device_index, feature_index, reading)| {
                v4::InputReading { id, device_index, feature_index, reading }.into()
            }
        ),
    ]
}
