//! Property tests for spec v0–v3: serialize → parse is the identity for every version, and the
//! attributes a device is advertised with drive exactly the advertised v4 output when sent back.

use bpio_protocol::convert::{self, AnyClientMessage, AnyServerMessage};
use bpio_protocol::{MessageSet, SpecVersion, parse_frame, serialize_frame};
use bpio_protocol::{v0, v1, v2, v3, v4};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::properties::{client_id, device_list, server_message, text};

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

/// Every v4 server message, translated for each legacy version, survives that version's
/// serialize → parse.
fn check_server_round_trip(
    message: v4::ServerMessage,
    known: &v4::DeviceList,
) -> Result<(), TestCaseError> {
    for version in [SpecVersion::V0, SpecVersion::V1, SpecVersion::V2, SpecVersion::V3] {
        for converted in convert::server_from_v4(version, message.clone(), known) {
            match converted {
                AnyServerMessage::V0(m) => check_round_trip(&[m])?,
                AnyServerMessage::V1(m) => check_round_trip(&[m])?,
                AnyServerMessage::V2(m) => check_round_trip(&[m])?,
                AnyServerMessage::V3(m) => check_round_trip(&[m])?,
                AnyServerMessage::V4(m) => check_round_trip(&[m])?,
            }
        }
    }
    Ok(())
}

/// Downgrading a device to v3, then sending every advertised actuator at full level and
/// upgrading again, drives exactly the advertised feature, output type and step count.
fn check_advertised_attributes_drive_their_outputs(
    devices: &v4::DeviceList,
) -> Result<(), TestCaseError> {
    let reply = v4::DeviceList { id: 1, devices: devices.devices.clone() };
    let converted = convert::server_from_v4(SpecVersion::V3, reply.into(), devices);
    let [AnyServerMessage::V3(v3::ServerMessage::DeviceList(list))] = converted.as_slice() else {
        return Err(TestCaseError::fail("a DeviceList reply must become one v3 DeviceList"));
    };
    for device in &list.devices {
        let scalars = device.device_messages.scalar_cmd.clone().unwrap_or_default();
        for (index, attributes) in scalars.iter().enumerate() {
            let command = v3::ScalarCmd {
                id: bpio_protocol::ClientId::new(1).unwrap(),
                device_index: device.device_index,
                scalars: v3::NonEmpty::new(vec![v3::ScalarSubcommand {
                    index: u32::try_from(index).unwrap(),
                    scalar: v3::UnitInterval::new(1.0).unwrap(),
                    actuator_type: attributes.actuator_type,
                }])
                .unwrap(),
            };
            let upgraded = convert::client_to_v4(AnyClientMessage::V3(command.into()), devices)
                .map_err(|err| TestCaseError::fail(err.to_string()))?;
            let [v4::ClientMessage::OutputCmd(output)] = upgraded.as_slice() else {
                return Err(TestCaseError::fail("one scalar must become one OutputCmd"));
            };
            prop_assert_eq!(output.command.value(), i64::from(attributes.step_count));
            prop_assert_eq!(
                output.command.output_type().as_str(),
                attributes.actuator_type.as_str()
            );
            let feature =
                &devices.devices[&device.device_index].device_features[&output.feature_index];
            let range = feature
                .output
                .as_ref()
                .unwrap()
                .ranges(output.command.output_type())
                .unwrap()
                .value;
            prop_assert_eq!(i64::from(range.max()), i64::from(attributes.step_count));
            prop_assert_eq!(&feature.feature_description, &attributes.feature_descriptor);
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn legacy_server_messages_round_trip(message in server_message(), known in device_list()) {
        check_server_round_trip(message, &known)?;
    }

    #[test]
    fn legacy_device_events_round_trip(known in device_list(), current in device_list()) {
        let event = v4::DeviceList { id: 0, devices: current.devices };
        check_server_round_trip(event.into(), &known)?;
    }

    #[test]
    fn advertised_attributes_drive_their_outputs(devices in device_list()) {
        check_advertised_attributes_drive_their_outputs(&devices)?;
    }

    #[test]
    fn v0_client_messages_round_trip(messages in vec(v0_client(), 1..6)) {
        check_round_trip(&messages)?;
    }

    #[test]
    fn v1_client_messages_round_trip(messages in vec(v1_client(), 1..6)) {
        check_round_trip(&messages)?;
    }

    #[test]
    fn v2_client_messages_round_trip(messages in vec(v2_client(), 1..6)) {
        check_round_trip(&messages)?;
    }

    #[test]
    fn v3_client_messages_round_trip(messages in vec(v3_client(), 1..6)) {
        check_round_trip(&messages)?;
    }
}

/// A float in 0.0..=1.0 with at most six decimals, which JSON readers round-trip exactly.
fn unit() -> impl Strategy<Value = v0::UnitInterval> {
    (0u32..=1_000_000).prop_map(|k| v0::UnitInterval::new(f64::from(k) / 1e6).unwrap())
}

fn log_level() -> impl Strategy<Value = v0::LogLevel> {
    prop_oneof![
        Just(v0::LogLevel::Off),
        Just(v0::LogLevel::Fatal),
        Just(v0::LogLevel::Error),
        Just(v0::LogLevel::Warn),
        Just(v0::LogLevel::Info),
        Just(v0::LogLevel::Debug),
        Just(v0::LogLevel::Trace),
    ]
}

fn v0_client() -> impl Strategy<Value = v0::ClientMessage> {
    prop_oneof![
        (client_id(), text()).prop_map(|(id, client_name)| v0::RequestServerInfo {
            id,
            client_name
        }
        .into()),
        client_id().prop_map(|id| v0::Ping { id }.into()),
        client_id().prop_map(|id| v0::StopAllDevices { id }.into()),
        (client_id(), any::<u32>()).prop_map(|(id, device_index)| v0::StopDeviceCmd {
            id,
            device_index
        }
        .into()),
        (client_id(), any::<u32>(), unit()).prop_map(|(id, device_index, speed)| {
            v0::SingleMotorVibrateCmd { id, device_index, speed }.into()
        }),
        (client_id(), any::<u32>(), 0u32..=99, 0u32..=99).prop_map(|(id, device_index, p, s)| {
            v0::FleshlightLaunchFW12Cmd {
                id,
                device_index,
                position: v0::UpTo::new(p).unwrap(),
                speed: v0::UpTo::new(s).unwrap(),
            }
            .into()
        }),
        (client_id(), any::<u32>(), 0u32..=100, any::<bool>()).prop_map(
            |(id, device_index, s, clockwise)| {
                v0::VorzeA10CycloneCmd {
                    id,
                    device_index,
                    speed: v0::UpTo::new(s).unwrap(),
                    clockwise,
                }
                .into()
            }
        ),
        (client_id(), any::<u32>(), text()).prop_map(|(id, device_index, command)| v0::KiirooCmd {
            id,
            device_index,
            command
        }
        .into()),
        (client_id(), any::<u32>(), text()).prop_map(|(id, device_index, command)| {
            v0::LovenseCmd { id, device_index, command }.into()
        }),
        (client_id(), text()).prop_map(|(id, test_string)| v0::Test { id, test_string }.into()),
        (client_id(), log_level())
            .prop_map(|(id, log_level)| v0::RequestLog { id, log_level }.into()),
    ]
}

fn vibrate() -> impl Strategy<Value = v1::VibrateCmd> {
    (client_id(), any::<u32>(), vec((any::<u32>(), unit()), 1..4)).prop_map(
        |(id, device_index, speeds)| v1::VibrateCmd {
            id,
            device_index,
            speeds: v1::NonEmpty::new(
                speeds
                    .into_iter()
                    .map(|(index, speed)| v1::VibrateSubcommand { index, speed })
                    .collect(),
            )
            .unwrap(),
        },
    )
}

fn rotate() -> impl Strategy<Value = v1::RotateCmd> {
    (client_id(), any::<u32>(), vec((any::<u32>(), unit(), any::<bool>()), 1..4)).prop_map(
        |(id, device_index, rotations)| v1::RotateCmd {
            id,
            device_index,
            rotations: v1::NonEmpty::new(
                rotations
                    .into_iter()
                    .map(|(index, speed, clockwise)| v1::RotateSubcommand {
                        index,
                        speed,
                        clockwise,
                    })
                    .collect(),
            )
            .unwrap(),
        },
    )
}

fn linear() -> impl Strategy<Value = v1::LinearCmd> {
    (client_id(), any::<u32>(), vec((any::<u32>(), any::<i64>(), unit()), 0..4)).prop_map(
        |(id, device_index, vectors)| v1::LinearCmd {
            id,
            device_index,
            vectors: vectors
                .into_iter()
                .map(|(index, duration, position)| v1::LinearSubcommand {
                    index,
                    duration: v1::Duration(duration),
                    position,
                })
                .collect(),
        },
    )
}

fn v1_client() -> impl Strategy<Value = v1::ClientMessage> {
    prop_oneof![
        (client_id(), text(), any::<u32>()).prop_map(|(id, client_name, message_version)| {
            v1::RequestServerInfo { id, client_name, message_version }.into()
        }),
        vibrate().prop_map(Into::into),
        rotate().prop_map(Into::into),
        linear().prop_map(Into::into),
        (client_id(), any::<u32>(), unit()).prop_map(|(id, device_index, speed)| {
            v1::SingleMotorVibrateCmd { id, device_index, speed }.into()
        }),
        client_id().prop_map(|id| v1::RequestDeviceList { id }.into()),
    ]
}

fn raw() -> impl Strategy<Value = v2::ClientMessage> {
    prop_oneof![
        (client_id(), any::<u32>(), text(), vec(any::<u8>(), 1..5), any::<bool>()).prop_map(
            |(id, device_index, endpoint, data, write_with_response)| {
                v2::RawWriteCmd {
                    id,
                    device_index,
                    endpoint,
                    data: v2::NonEmpty::new(data).unwrap(),
                    write_with_response,
                }
                .into()
            }
        ),
        (client_id(), any::<u32>(), text(), any::<u32>(), any::<bool>()).prop_map(
            |(id, device_index, endpoint, length, wait_for_data)| {
                v2::RawReadCmd { id, device_index, endpoint, length, wait_for_data }.into()
            }
        ),
        (client_id(), any::<u32>(), text()).prop_map(|(id, device_index, endpoint)| {
            v2::RawSubscribeCmd { id, device_index, endpoint }.into()
        }),
        (client_id(), any::<u32>(), text()).prop_map(|(id, device_index, endpoint)| {
            v2::RawUnsubscribeCmd { id, device_index, endpoint }.into()
        }),
    ]
}

fn v2_client() -> impl Strategy<Value = v2::ClientMessage> {
    prop_oneof![
        vibrate().prop_map(Into::into),
        rotate().prop_map(Into::into),
        linear().prop_map(Into::into),
        (client_id(), any::<u32>()).prop_map(|(id, device_index)| v2::BatteryLevelCmd {
            id,
            device_index
        }
        .into()),
        (client_id(), any::<u32>()).prop_map(|(id, device_index)| v2::RSSILevelCmd {
            id,
            device_index
        }
        .into()),
        raw(),
        (client_id(), log_level())
            .prop_map(|(id, log_level)| v2::RequestLog { id, log_level }.into()),
    ]
}

const ACTUATORS: [v3::ActuatorType; 8] = [
    v3::ActuatorType::Vibrate,
    v3::ActuatorType::Rotate,
    v3::ActuatorType::Oscillate,
    v3::ActuatorType::Constrict,
    v3::ActuatorType::Temperature,
    v3::ActuatorType::Led,
    v3::ActuatorType::Position,
    v3::ActuatorType::Spray,
];
const SENSORS: [v3::SensorType; 4] = [
    v3::SensorType::Battery,
    v3::SensorType::Rssi,
    v3::SensorType::Pressure,
    v3::SensorType::Button,
];

fn v3_client() -> impl Strategy<Value = v3::ClientMessage> {
    let scalar = (any::<u32>(), unit(), 0..ACTUATORS.len()).prop_map(|(index, scalar, t)| {
        v3::ScalarSubcommand { index, scalar, actuator_type: ACTUATORS[t] }
    });
    let sensor = || (client_id(), any::<u32>(), any::<u32>(), 0..SENSORS.len());
    prop_oneof![
        (client_id(), any::<u32>(), vec(scalar, 1..4)).prop_map(|(id, device_index, scalars)| {
            v3::ScalarCmd { id, device_index, scalars: v3::NonEmpty::new(scalars).unwrap() }.into()
        }),
        sensor().prop_map(|(id, device_index, sensor_index, t)| {
            v3::SensorReadCmd { id, device_index, sensor_index, sensor_type: SENSORS[t] }.into()
        }),
        sensor().prop_map(|(id, device_index, sensor_index, t)| {
            v3::SensorSubscribeCmd { id, device_index, sensor_index, sensor_type: SENSORS[t] }
                .into()
        }),
        sensor().prop_map(|(id, device_index, sensor_index, t)| {
            v3::SensorUnsubscribeCmd { id, device_index, sensor_index, sensor_type: SENSORS[t] }
                .into()
        }),
        vibrate().prop_map(Into::into),
        linear().prop_map(Into::into),
        client_id().prop_map(|id| v3::StopAllDevices { id }.into()),
    ]
}
