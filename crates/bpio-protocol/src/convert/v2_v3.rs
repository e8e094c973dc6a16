//! Between spec v2 and v3. Neither direction needs context: `BatteryLevelCmd` reads the first
//! battery, which is `SensorIndex` 0 in v3, and v2 device descriptions follow from v3 ones.

use super::error::{ConvertError, ConvertErrorKind};
use crate::error::ErrorCode;
use crate::{v2, v3};

/// Translates a v2 client message into v3.
///
/// `BatteryLevelCmd` becomes `SensorReadCmd` of sensor 0, type `Battery`; `RSSILevelCmd`
/// (ERROR_DEVICE) and `RequestLog` (ERROR_MSG) are refused here, the raw messages are passed on
/// (and refused by the v3 → v4 step).
pub fn upgrade_client(message: v2::ClientMessage) -> Result<v3::ClientMessage, ConvertError> {
    use v2::ClientMessage as M;
    Ok(match message {
        M::RequestServerInfo(request) => request.into(),
        M::Ping(ping) => ping.into(),
        M::StartScanning(start) => start.into(),
        M::StopScanning(stop) => stop.into(),
        M::RequestDeviceList(request) => request.into(),
        M::StopDeviceCmd(stop) => stop.into(),
        M::StopAllDevices(stop) => stop.into(),
        M::VibrateCmd(cmd) => cmd.into(),
        M::RotateCmd(cmd) => cmd.into(),
        M::LinearCmd(cmd) => cmd.into(),
        M::BatteryLevelCmd(cmd) => v3::SensorReadCmd {
            id: cmd.id,
            device_index: cmd.device_index,
            sensor_index: 0,
            sensor_type: v3::SensorType::Battery,
        }
        .into(),
        M::RawWriteCmd(cmd) => cmd.into(),
        M::RawReadCmd(cmd) => cmd.into(),
        M::RawSubscribeCmd(cmd) => cmd.into(),
        M::RawUnsubscribeCmd(cmd) => cmd.into(),
        M::RSSILevelCmd(cmd) => {
            let kind = ConvertErrorKind::NotImplemented {
                message: "RSSILevelCmd",
                code: ErrorCode::Device,
            };
            return Err(ConvertError::new(cmd.id, kind));
        }
        M::RequestLog(cmd) => {
            let kind =
                ConvertErrorKind::NotImplemented { message: "RequestLog", code: ErrorCode::Msg };
            return Err(ConvertError::new(cmd.id, kind));
        }
    })
}

/// Translates a v3 server message for a v2 client; `None` when v2 has no equivalent.
///
/// `ServerInfo` reports `MessageVersion` 2; a battery `SensorReading` reply becomes
/// `BatteryLevelReading` (percent ÷ 100).
pub fn downgrade_server(message: v3::ServerMessage) -> Option<v2::ServerMessage> {
    use v3::ServerMessage as M;
    Some(match message {
        M::ServerInfo(info) => {
            v2::ServerInfo { message_version: v2::MESSAGE_VERSION, ..info }.into()
        }
        M::Ok(ok) => ok.into(),
        M::Error(error) => error.into(),
        M::ScanningFinished(finished) => finished.into(),
        M::DeviceList(list) => {
            v2::DeviceList { id: list.id, devices: list.devices.into_iter().map(device).collect() }
                .into()
        }
        M::DeviceAdded(added) => v2::DeviceAdded::new(device(v3::Device {
            device_index: added.device_index,
            device_name: added.device_name,
            device_display_name: added.device_display_name,
            device_message_timing_gap: added.device_message_timing_gap,
            device_messages: added.device_messages,
        }))
        .into(),
        M::DeviceRemoved(removed) => removed.into(),
        M::SensorReading(reading) => {
            let percent = match (reading.sensor_type, reading.data.as_slice()) {
                (v3::SensorType::Battery, [percent, ..]) if reading.id != 0 => *percent,
                _ => return None,
            };
            v2::BatteryLevelReading {
                id: reading.id,
                device_index: reading.device_index,
                battery_level: f64::from(percent) / 100.0,
            }
            .into()
        }
        M::RawReading(reading) => reading.into(),
    })
}

/// The v2 description of a device described for v3 (docs/VERSIONS.md 4.3): `VibrateCmd` from the
/// `Vibrate` entries of `ScalarCmd`, `RotateCmd` and `LinearCmd` with their step counts, and
/// `BatteryLevelCmd` when a battery can be read.
pub fn device(device: v3::Device) -> v2::Device {
    let messages = device.device_messages;
    let steps = |entries: Vec<v3::ActuatorAttributes>| {
        let step_count: Vec<u32> = entries.iter().map(|entry| entry.step_count).collect();
        (!step_count.is_empty()).then(|| v2::StepAttributes {
            feature_count: u32::try_from(step_count.len()).unwrap_or(u32::MAX),
            step_count,
        })
    };
    let vibrators = messages
        .scalar_cmd
        .unwrap_or_default()
        .into_iter()
        .filter(|entry| entry.actuator_type == v3::ActuatorType::Vibrate)
        .collect();
    let battery = messages
        .sensor_read_cmd
        .unwrap_or_default()
        .iter()
        .any(|sensor| sensor.sensor_type == v3::SensorType::Battery);
    v2::Device {
        device_index: device.device_index,
        device_name: device.device_name,
        device_messages: v2::DeviceMessages {
            vibrate_cmd: steps(vibrators),
            rotate_cmd: steps(messages.rotate_cmd.unwrap_or_default()),
            linear_cmd: steps(messages.linear_cmd.unwrap_or_default()),
            battery_level_cmd: battery.then_some(v2::NoAttributes {}),
            stop_device_cmd: Some(v2::NoAttributes {}),
            ..v2::DeviceMessages::default()
        },
    }
}
