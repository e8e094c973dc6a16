//! What the client asks the server, before it has an Id, and what each request expects back.

use bpio_protocol::v4::{self, ClientMessage, InputCommandType, InputType, ServerMessage};
use bpio_protocol::{ClientId, MessageSet};

use crate::error::Error;

/// One request to the server; the driver gives it its Id when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    RequestServerInfo { client_name: String },
    Ping,
    Disconnect,
    StartScanning,
    StopScanning,
    RequestDeviceList,
    Output { device: u32, feature: u32, command: v4::OutputCommand },
    Input { device: u32, feature: u32, input: InputType, command: InputCommandType },
    Stop { device: Option<u32>, feature: Option<u32> },
}

impl Command {
    /// The message to send, with `id`.
    pub(crate) fn into_message(self, id: ClientId) -> ClientMessage {
        match self {
            Self::RequestServerInfo { client_name } => v4::RequestServerInfo {
                id,
                client_name,
                protocol_version_major: v4::PROTOCOL_VERSION_MAJOR,
                protocol_version_minor: v4::PROTOCOL_VERSION_MINOR,
            }
            .into(),
            Self::Ping => v4::Ping { id }.into(),
            Self::Disconnect => v4::Disconnect { id }.into(),
            Self::StartScanning => v4::StartScanning { id }.into(),
            Self::StopScanning => v4::StopScanning { id }.into(),
            Self::RequestDeviceList => v4::RequestDeviceList { id }.into(),
            Self::Output { device, feature, command } => {
                v4::OutputCmd { id, device_index: device, feature_index: feature, command }.into()
            }
            Self::Input { device, feature, input, command } => v4::InputCmd {
                id,
                device_index: device,
                feature_index: feature,
                input_type: input,
                command,
            }
            .into(),
            // Inputs and outputs are left to the spec's defaults (both true).
            Self::Stop { device, feature } => v4::StopCmd {
                id,
                device_index: device,
                feature_index: feature,
                inputs: None,
                outputs: None,
            }
            .into(),
        }
    }
}

/// Checks that `reply` is an `Ok`.
pub(crate) fn expect_ok(reply: ServerMessage) -> Result<(), Error> {
    match reply {
        ServerMessage::Ok(_) => Ok(()),
        other => Err(unexpected("Ok", &other)),
    }
}

/// The error for a reply of the wrong kind.
pub(crate) fn unexpected(expected: &'static str, got: &ServerMessage) -> Error {
    Error::UnexpectedReply { expected, got: got.name() }
}

#[cfg(test)]
mod tests {
    use bpio_protocol::serialize_frame;
    use bpio_protocol::v4::OutputType;

    use super::*;

    #[track_caller]
    fn check(command: Command, json: &str) {
        let id = ClientId::new(7).unwrap();
        assert_eq!(serialize_frame(&[command.into_message(id)]), json);
    }

    #[test]
    fn each_request_becomes_its_v4_message_with_the_id() {
        check(
            Command::RequestServerInfo { client_name: "app".into() },
            r#"[{"RequestServerInfo":{"Id":7,"ClientName":"app","ProtocolVersionMajor":4,"ProtocolVersionMinor":0}}]"#,
        );
        check(Command::Ping, r#"[{"Ping":{"Id":7}}]"#);
        check(Command::Disconnect, r#"[{"Disconnect":{"Id":7}}]"#);
        check(Command::StartScanning, r#"[{"StartScanning":{"Id":7}}]"#);
        check(Command::StopScanning, r#"[{"StopScanning":{"Id":7}}]"#);
        check(Command::RequestDeviceList, r#"[{"RequestDeviceList":{"Id":7}}]"#);
        check(
            Command::Output {
                device: 1,
                feature: 2,
                command: v4::OutputCommand::new(OutputType::HwPositionWithDuration, 30, 500),
            },
            r#"[{"OutputCmd":{"Id":7,"DeviceIndex":1,"FeatureIndex":2,"Command":{"HwPositionWithDuration":{"Value":30,"Duration":500}}}}]"#,
        );
        check(
            Command::Input {
                device: 1,
                feature: 0,
                input: InputType::Battery,
                command: InputCommandType::Read,
            },
            r#"[{"InputCmd":{"Id":7,"DeviceIndex":1,"FeatureIndex":0,"Type":"Battery","Command":"Read"}}]"#,
        );
        check(Command::Stop { device: None, feature: None }, r#"[{"StopCmd":{"Id":7}}]"#);
        check(
            Command::Stop { device: Some(3), feature: Some(1) },
            r#"[{"StopCmd":{"Id":7,"DeviceIndex":3,"FeatureIndex":1}}]"#,
        );
    }
}
