//! Between spec v0 and v1. Every v0 client message exists unchanged in v1 except the handshake,
//! so the upgrade is total and needs no context.

use crate::{v0, v1};

/// Translates a v0 client message into v1. `RequestServerInfo` gets `MessageVersion` 0.
pub fn upgrade_client(message: v0::ClientMessage) -> v1::ClientMessage {
    use v0::ClientMessage as M;
    match message {
        M::RequestServerInfo(request) => v1::RequestServerInfo {
            id: request.id,
            client_name: request.client_name,
            message_version: v0::MESSAGE_VERSION,
        }
        .into(),
        M::Ping(ping) => ping.into(),
        M::StartScanning(start) => start.into(),
        M::StopScanning(stop) => stop.into(),
        M::RequestDeviceList(request) => request.into(),
        M::StopDeviceCmd(stop) => stop.into(),
        M::StopAllDevices(stop) => stop.into(),
        M::SingleMotorVibrateCmd(cmd) => cmd.into(),
        M::FleshlightLaunchFW12Cmd(cmd) => cmd.into(),
        M::VorzeA10CycloneCmd(cmd) => cmd.into(),
        M::KiirooCmd(cmd) => cmd.into(),
        M::LovenseCmd(cmd) => cmd.into(),
        M::Test(cmd) => cmd.into(),
        M::RequestLog(cmd) => cmd.into(),
    }
}

/// Translates a v1 server message for a v0 client; `None` when v0 has no equivalent (never, today).
///
/// `ServerInfo` reports `MessageVersion` 0.
pub fn downgrade_server(message: v1::ServerMessage) -> Option<v0::ServerMessage> {
    use v1::ServerMessage as M;
    Some(match message {
        M::ServerInfo(info) => {
            v0::ServerInfo { message_version: v0::MESSAGE_VERSION, ..info }.into()
        }
        M::Ok(ok) => ok.into(),
        M::Error(error) => error.into(),
        M::ScanningFinished(finished) => finished.into(),
        M::DeviceList(list) => {
            v0::DeviceList { id: list.id, devices: list.devices.into_iter().map(device).collect() }
                .into()
        }
        M::DeviceAdded(added) => v0::DeviceAdded::new(device(v1::Device {
            device_index: added.device_index,
            device_name: added.device_name,
            device_messages: added.device_messages,
        }))
        .into(),
        M::DeviceRemoved(removed) => removed.into(),
        M::Log(log) => log.into(),
        M::Test(test) => test.into(),
    })
}

/// The v0 description of a device described for v1 (docs/VERSIONS.md 4.3): the names of the v0
/// messages it accepts, sorted.
pub fn device(device: v1::Device) -> v0::Device {
    let messages = device.device_messages;
    let mut names: Vec<String> = [
        ("FleshlightLaunchFW12Cmd", messages.fleshlight_launch_f_w12_cmd.is_some()),
        ("KiirooCmd", messages.kiiroo_cmd.is_some()),
        ("LovenseCmd", messages.lovense_cmd.is_some()),
        ("SingleMotorVibrateCmd", messages.single_motor_vibrate_cmd.is_some()),
        ("StopDeviceCmd", true),
        ("VorzeA10CycloneCmd", messages.vorze_a10_cyclone_cmd.is_some()),
    ]
    .into_iter()
    .filter(|(_, present)| *present)
    .map(|(name, _)| name.to_owned())
    .collect();
    names.sort();
    v0::Device {
        device_index: device.device_index,
        device_name: device.device_name,
        device_messages: names,
    }
}
