//! Between spec v1 and v2.
//!
//! Context for the upgrade: the device list as a v2 client would see it, for the number of
//! vibrators a `SingleMotorVibrateCmd` drives.

use super::error::{ConvertError, ConvertErrorKind};
use crate::error::ErrorCode;
use crate::{v1, v2};

/// Translates a v1 client message into v2.
///
/// `devices` is the current device list in its v2 shape. `SingleMotorVibrateCmd` becomes a
/// `VibrateCmd` with the same speed for every vibrator of the device (docs/VERSIONS.md 6.3); an
/// unknown device or one without vibrators is ERROR_DEVICE. The device-specific commands and
/// `Test` are refused with ERROR_MSG; `RequestLog` is passed on (it is still part of v2).
pub fn upgrade_client(
    message: v1::ClientMessage,
    devices: &v2::DeviceList,
) -> Result<v2::ClientMessage, ConvertError> {
    use v1::ClientMessage as M;
    let refuse = |id, message| {
        Err(ConvertError::new(
            id,
            ConvertErrorKind::NotImplemented { message, code: ErrorCode::Msg },
        ))
    };
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
        M::RequestLog(cmd) => cmd.into(),
        M::SingleMotorVibrateCmd(cmd) => {
            let device_index = cmd.device_index;
            let device = devices
                .devices
                .iter()
                .find(|device| device.device_index == device_index)
                .ok_or_else(|| {
                    ConvertError::new(cmd.id, ConvertErrorKind::UnknownDevice { device_index })
                })?;
            let count = device.device_messages.vibrate_cmd.as_ref().map_or(0, |v| v.feature_count);
            let speeds =
                (0..count).map(|index| v2::VibrateSubcommand { index, speed: cmd.speed }).collect();
            let speeds = v2::NonEmpty::new(speeds).ok_or_else(|| {
                let kind =
                    ConvertErrorKind::NoFeatures { message: "SingleMotorVibrateCmd", device_index };
                ConvertError::new(cmd.id, kind)
            })?;
            v2::VibrateCmd { id: cmd.id, device_index, speeds }.into()
        }
        M::FleshlightLaunchFW12Cmd(cmd) => return refuse(cmd.id, "FleshlightLaunchFW12Cmd"),
        M::VorzeA10CycloneCmd(cmd) => return refuse(cmd.id, "VorzeA10CycloneCmd"),
        M::KiirooCmd(cmd) => return refuse(cmd.id, "KiirooCmd"),
        M::LovenseCmd(cmd) => return refuse(cmd.id, "LovenseCmd"),
        M::Test(cmd) => return refuse(cmd.id, "Test"),
    })
}

/// Translates a v2 server message for a v1 client; `None` when v1 has no equivalent.
///
/// `ServerInfo` becomes shape A reporting `MessageVersion` 1 and server version 0.0.0.
pub fn downgrade_server(message: v2::ServerMessage) -> Option<v1::ServerMessage> {
    use v2::ServerMessage as M;
    Some(match message {
        M::ServerInfo(info) => v1::ServerInfo {
            id: info.id,
            server_name: info.server_name,
            major_version: 0,
            minor_version: 0,
            build_version: 0,
            message_version: v1::MESSAGE_VERSION,
            max_ping_time: info.max_ping_time,
        }
        .into(),
        M::Ok(ok) => ok.into(),
        M::Error(error) => error.into(),
        M::ScanningFinished(finished) => finished.into(),
        M::DeviceList(list) => {
            v1::DeviceList { id: list.id, devices: list.devices.into_iter().map(device).collect() }
                .into()
        }
        M::DeviceAdded(added) => v1::DeviceAdded::new(device(v2::Device {
            device_index: added.device_index,
            device_name: added.device_name,
            device_messages: added.device_messages,
        }))
        .into(),
        M::DeviceRemoved(removed) => removed.into(),
        M::BatteryLevelReading(_) | M::RSSILevelReading(_) | M::RawReading(_) => return None,
    })
}

/// The v1 description of a device described for v2 (docs/VERSIONS.md 4.3): feature counts without
/// step counts, plus `SingleMotorVibrateCmd` when the device has vibrators.
pub fn device(device: v2::Device) -> v1::Device {
    let messages = device.device_messages;
    let count = |attributes: Option<v2::StepAttributes>| {
        attributes.map(|a| v1::FeatureCount { feature_count: a.feature_count })
    };
    let vibrates = messages.vibrate_cmd.is_some();
    v1::Device {
        device_index: device.device_index,
        device_name: device.device_name,
        device_messages: v1::DeviceMessages {
            vibrate_cmd: count(messages.vibrate_cmd),
            rotate_cmd: count(messages.rotate_cmd),
            linear_cmd: count(messages.linear_cmd),
            single_motor_vibrate_cmd: vibrates.then_some(v1::NoAttributes {}),
            stop_device_cmd: Some(v1::NoAttributes {}),
            ..v1::DeviceMessages::default()
        },
    }
}
