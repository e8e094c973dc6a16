//! Between spec v3 and v4: v3 client messages up to v4 commands, v4 server messages down to v3.
//!
//! Context: the v4 device list. Legacy indexes are positions in the [`DeviceView`] lists of the
//! addressed device (docs/VERSIONS.md 4.1).

use std::collections::BTreeMap;

use super::error::{ConvertError, ConvertErrorKind};
use super::steps;
use super::view::{ActuatorEntry, DeviceView};
use crate::error::ErrorCode;
use crate::ids::ClientId;
use crate::{v3, v4};

/// Translates a v3 client message into the v4 messages that execute it.
///
/// `devices` is the current v4 device list. Commands that address several features become one v4
/// command per feature, all carrying the request's Id; the server executes them together and
/// answers once (docs/VERSIONS.md 12). An empty result (a `LinearCmd` without vectors) is answered
/// with `Ok`. A `RequestServerInfo` becomes a v4 one with `ProtocolVersionMajor` = its
/// `MessageVersion`, which a connected session refuses as a repeated handshake.
pub fn upgrade_client(
    message: v3::ClientMessage,
    devices: &v4::DeviceList,
) -> Result<Vec<v4::ClientMessage>, ConvertError> {
    use v3::ClientMessage as M;
    let one = |message: v4::ClientMessage| Ok(vec![message]);
    match message {
        M::RequestServerInfo(request) => {
            one(v4::ClientMessage::RequestServerInfo(v4::RequestServerInfo {
                id: request.id,
                client_name: request.client_name,
                protocol_version_major: request.message_version,
                protocol_version_minor: 0,
            }))
        }
        M::Ping(ping) => one(ping.into()),
        M::StartScanning(start) => one(start.into()),
        M::StopScanning(stop) => one(stop.into()),
        M::RequestDeviceList(request) => one(request.into()),
        M::StopDeviceCmd(stop) => one(v4::StopCmd {
            id: stop.id,
            device_index: Some(stop.device_index),
            feature_index: None,
            inputs: Some(true),
            outputs: Some(true),
        }
        .into()),
        M::StopAllDevices(stop) => one(v4::StopCmd {
            id: stop.id,
            device_index: None,
            feature_index: None,
            inputs: None,
            outputs: None,
        }
        .into()),
        M::VibrateCmd(cmd) => {
            let view = view(devices, cmd.id, cmd.device_index)?;
            let vibrators: Vec<_> = view.vibrators().collect();
            let subcommands = cmd.speeds.iter().map(|s| (s.index, s));
            outputs(cmd.id, cmd.device_index, "VibrateCmd", &vibrators, subcommands, |e, s| {
                Ok(v4::OutputCommand::new(e.output_type, steps::speed(s.speed, e.step_count), 0))
            })
        }
        M::RotateCmd(cmd) => {
            let view = view(devices, cmd.id, cmd.device_index)?;
            let rotators: Vec<_> = view.rotators.iter().collect();
            let subcommands = cmd.rotations.iter().map(|r| (r.index, r));
            outputs(cmd.id, cmd.device_index, "RotateCmd", &rotators, subcommands, |e, r| {
                let step = steps::speed(r.speed, e.step_count);
                let value = if r.clockwise { step } else { -step };
                Ok(v4::OutputCommand::new(v4::OutputType::Rotate, value, 0))
            })
        }
        M::LinearCmd(cmd) => {
            let view = view(devices, cmd.id, cmd.device_index)?;
            let linears: Vec<_> = view.linears.iter().collect();
            let subcommands = cmd.vectors.iter().map(|v| (v.index, v));
            outputs(cmd.id, cmd.device_index, "LinearCmd", &linears, subcommands, |e, v| {
                let value = steps::linear(v.position, e.step_count);
                Ok(v4::OutputCommand::new(e.output_type, value, v.duration.0))
            })
        }
        M::ScalarCmd(cmd) => {
            let view = view(devices, cmd.id, cmd.device_index)?;
            let scalars: Vec<_> = view.scalars.iter().collect();
            let subcommands = cmd.scalars.iter().map(|s| (s.index, s));
            outputs(cmd.id, cmd.device_index, "ScalarCmd", &scalars, subcommands, |e, s| {
                if actuator_type(e.output_type) != Some(s.actuator_type) {
                    return Err(ConvertErrorKind::ActuatorMismatch {
                        device_index: cmd.device_index,
                        index: s.index,
                        expected: e.output_type.as_str(),
                        requested: s.actuator_type.as_str(),
                    });
                }
                let value = match e.output_type {
                    v4::OutputType::Position => steps::position(s.scalar, e.step_count),
                    _ => steps::speed(s.scalar, e.step_count),
                };
                Ok(v4::OutputCommand::new(e.output_type, value, 0))
            })
        }
        M::SensorReadCmd(cmd) => {
            let view = view(devices, cmd.id, cmd.device_index)?;
            if cmd.sensor_type != v3::SensorType::Battery {
                return Err(ConvertError::new(
                    cmd.id,
                    ConvertErrorKind::SensorNotReadable {
                        sensor_type: sensor_name(cmd.sensor_type),
                    },
                ));
            }
            let entry = usize::try_from(cmd.sensor_index)
                .ok()
                .and_then(|index| view.batteries.get(index))
                .ok_or_else(|| {
                    ConvertError::new(
                        cmd.id,
                        ConvertErrorKind::NoSuchEntry {
                            message: "SensorReadCmd",
                            device_index: cmd.device_index,
                            index: cmd.sensor_index,
                            len: view.batteries.len(),
                        },
                    )
                })?;
            one(v4::InputCmd {
                id: cmd.id,
                device_index: cmd.device_index,
                feature_index: entry.feature_index,
                input_type: v4::InputType::Battery,
                command: v4::InputCommandType::Read,
            }
            .into())
        }
        M::SensorSubscribeCmd(cmd) => refuse(cmd.id, "SensorSubscribeCmd", ErrorCode::Device),
        M::SensorUnsubscribeCmd(cmd) => refuse(cmd.id, "SensorUnsubscribeCmd", ErrorCode::Device),
        M::RawWriteCmd(cmd) => refuse(cmd.id, "RawWriteCmd", ErrorCode::Device),
        M::RawReadCmd(cmd) => refuse(cmd.id, "RawReadCmd", ErrorCode::Device),
        M::RawSubscribeCmd(cmd) => refuse(cmd.id, "RawSubscribeCmd", ErrorCode::Device),
        M::RawUnsubscribeCmd(cmd) => refuse(cmd.id, "RawUnsubscribeCmd", ErrorCode::Device),
    }
}

/// Translates a v4 server message for a v3 client.
///
/// `known` is the v4 device list the client was last told about: the connected devices at the
/// handshake, then the list of every `DeviceList` event passed through here (the caller stores
/// it after the call). A `DeviceList` event (Id 0) becomes `DeviceRemoved`/`DeviceAdded` events
/// against `known` (docs/VERSIONS.md 11); a `DeviceList` reply becomes the v3 list; an
/// `InputReading` reply of a battery becomes `SensorReading`, with the `SensorIndex` of the
/// feature in the device's battery list. Subscription readings and other inputs have no v3
/// equivalent and give nothing.
pub fn downgrade_server(
    message: v4::ServerMessage,
    known: &v4::DeviceList,
) -> Vec<v3::ServerMessage> {
    use v4::ServerMessage as M;
    match message {
        M::ServerInfo(info) => vec![
            v3::ServerInfo {
                id: info.id,
                server_name: info.server_name,
                message_version: v3::MESSAGE_VERSION,
                max_ping_time: info.max_ping_time,
            }
            .into(),
        ],
        M::Ok(ok) => vec![ok.into()],
        M::Error(error) => vec![error.into()],
        M::ScanningFinished(finished) => vec![finished.into()],
        M::DeviceList(list) if list.id == 0 => device_events(known, &list),
        M::DeviceList(list) => vec![device_list(&list).into()],
        M::InputReading(reading) => sensor_reading(&reading, known).into_iter().collect(),
    }
}

/// The v3 `DeviceList` describing `list`.
pub fn device_list(list: &v4::DeviceList) -> v3::DeviceList {
    v3::DeviceList { id: list.id, devices: list.devices.values().map(device).collect() }
}

/// The v3 description of one v4 device (docs/VERSIONS.md 4.3 and 9.2).
pub fn device(device: &v4::Device) -> v3::Device {
    let view = DeviceView::of(device);
    let actuators = |entries: &[ActuatorEntry], linear: bool| {
        let attributes: Vec<_> = entries
            .iter()
            .filter_map(|entry| {
                let actuator_type = if linear {
                    v3::ActuatorType::Position
                } else {
                    actuator_type(entry.output_type)?
                };
                Some(v3::ActuatorAttributes {
                    feature_descriptor: entry.description.clone(),
                    actuator_type,
                    step_count: entry.step_count,
                })
            })
            .collect();
        (!attributes.is_empty()).then_some(attributes)
    };
    let sensors: Vec<_> = view
        .batteries
        .iter()
        .map(|entry| v3::SensorAttributes {
            feature_descriptor: entry.description.clone(),
            sensor_type: v3::SensorType::Battery,
            sensor_range: entry.ranges.iter().map(|range| (*range).into()).collect(),
        })
        .collect();
    v3::Device {
        device_index: device.device_index,
        device_name: device.device_name.clone(),
        device_display_name: device.device_display_name.clone(),
        device_message_timing_gap: Some(device.device_message_timing_gap),
        device_messages: v3::DeviceMessages {
            scalar_cmd: actuators(&view.scalars, false),
            rotate_cmd: actuators(&view.rotators, false),
            linear_cmd: actuators(&view.linears, true),
            sensor_read_cmd: (!sensors.is_empty()).then_some(sensors),
            stop_device_cmd: Some(v3::NoAttributes {}),
            ..v3::DeviceMessages::default()
        },
    }
}

/// The events that tell a legacy client about the change from `known` to `current`: first
/// `DeviceRemoved` for every known index that is gone or now holds a different device, ascending,
/// then `DeviceAdded` for every index that is new or replaced, ascending (docs/VERSIONS.md 11).
pub fn device_events(known: &v4::DeviceList, current: &v4::DeviceList) -> Vec<v3::ServerMessage> {
    let replaced = |index: &u32, device: &v4::Device| current.devices.get(index) != Some(device);
    let removed = known.devices.iter().filter(|(index, device)| replaced(index, device));
    let added =
        current.devices.iter().filter(|(index, device)| known.devices.get(*index) != Some(*device));
    removed
        .map(|(index, _)| v3::DeviceRemoved { id: 0, device_index: *index }.into())
        .chain(added.map(|(_, new)| v3::DeviceAdded::new(device(new)).into()))
        .collect()
}

/// The v3 name of a v4 output type that `ScalarCmd` can drive.
pub fn actuator_type(output_type: v4::OutputType) -> Option<v3::ActuatorType> {
    Some(match output_type {
        v4::OutputType::Vibrate => v3::ActuatorType::Vibrate,
        v4::OutputType::Rotate => v3::ActuatorType::Rotate,
        v4::OutputType::Oscillate => v3::ActuatorType::Oscillate,
        v4::OutputType::Constrict => v3::ActuatorType::Constrict,
        v4::OutputType::Temperature => v3::ActuatorType::Temperature,
        v4::OutputType::Led => v3::ActuatorType::Led,
        v4::OutputType::Spray => v3::ActuatorType::Spray,
        v4::OutputType::Position => v3::ActuatorType::Position,
        v4::OutputType::HwPositionWithDuration => return None,
    })
}

fn sensor_reading(reading: &v4::InputReading, known: &v4::DeviceList) -> Option<v3::ServerMessage> {
    let v4::Reading::Battery(value) = reading.reading else { return None };
    if reading.id == 0 {
        return None;
    }
    let view = DeviceView::of(known.devices.get(&reading.device_index)?);
    let position = view.batteries.iter().position(|b| b.feature_index == reading.feature_index)?;
    Some(
        v3::SensorReading {
            id: reading.id,
            device_index: reading.device_index,
            sensor_index: u32::try_from(position).ok()?,
            sensor_type: v3::SensorType::Battery,
            data: vec![i32::from(value.value)],
        }
        .into(),
    )
}

fn sensor_name(sensor_type: v3::SensorType) -> &'static str {
    match sensor_type {
        v3::SensorType::Battery => "Battery",
        v3::SensorType::Rssi => "RSSI",
        v3::SensorType::Pressure => "Pressure",
        v3::SensorType::Button => "Button",
    }
}

fn view(
    devices: &v4::DeviceList,
    id: ClientId,
    device_index: u32,
) -> Result<DeviceView, ConvertError> {
    devices
        .devices
        .get(&device_index)
        .map(DeviceView::of)
        .ok_or_else(|| ConvertError::new(id, ConvertErrorKind::UnknownDevice { device_index }))
}

fn refuse<T>(id: ClientId, message: &'static str, code: ErrorCode) -> Result<T, ConvertError> {
    Err(ConvertError::new(id, ConvertErrorKind::NotImplemented { message, code }))
}

/// One `OutputCmd` per addressed list entry; a later subcommand for the same index replaces an
/// earlier one. Any failing subcommand fails the whole message.
fn outputs<'s, S: 's>(
    id: ClientId,
    device_index: u32,
    message: &'static str,
    list: &[&ActuatorEntry],
    subcommands: impl Iterator<Item = (u32, &'s S)>,
    command: impl Fn(&ActuatorEntry, &S) -> Result<v4::OutputCommand, ConvertErrorKind>,
) -> Result<Vec<v4::ClientMessage>, ConvertError> {
    let subcommands: Vec<_> = subcommands.collect();
    let last: BTreeMap<u32, usize> =
        subcommands.iter().enumerate().map(|(at, (index, _))| (*index, at)).collect();
    let mut out = Vec::with_capacity(last.len());
    for (at, (index, subcommand)) in subcommands.iter().enumerate() {
        let entry = usize::try_from(*index).ok().and_then(|i| list.get(i)).ok_or_else(|| {
            ConvertError::new(
                id,
                ConvertErrorKind::NoSuchEntry {
                    message,
                    device_index,
                    index: *index,
                    len: list.len(),
                },
            )
        })?;
        let command = command(entry, subcommand).map_err(|kind| ConvertError::new(id, kind))?;
        if last.get(index) == Some(&at) {
            out.push(
                v4::OutputCmd { id, device_index, feature_index: entry.feature_index, command }
                    .into(),
            );
        }
    }
    Ok(out)
}
