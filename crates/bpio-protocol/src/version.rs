//! Spec versions, and the handshake that chooses one (docs/PROTOCOL.md 4.1, docs/VERSIONS.md 1).
//!
//! Before the handshake the session's version is unknown, so the first messages are parsed with
//! [`PreHandshake`], a message set that reads `RequestServerInfo` in any of its three shapes and
//! recognises every client message of every version. A server drives it message by message (see
//! [`split_frame`](crate::split_frame)):
//!
//! ```text
//! AwaitingHandshake: raw.parse::<PreHandshake>()
//!   Ok(RequestServerInfo(request)) => match request.detect() {
//!       Ok(handshake) => reply ServerInfo in the shape of handshake.version; now Connected
//!       Err(error)    => reply Error code 1 (error.code()) with request.id(); close
//!   }
//!   Ok(Other(message)) => reply Error code 1 (ERROR_INIT) with message.id; keep waiting
//!   Err(parse_error)   => reply Error code 3 with parse_error.id; keep waiting
//! Connected(version): raw.parse::<vN::ClientMessage>() for the handshake's version
//! ```

use std::fmt;

use serde::de::IgnoredAny;

use crate::error::ErrorCode;
use crate::frame::MessageSet;
use crate::ids::ClientId;
use crate::{v0, v1, v2, v3, v4};

/// A spec version this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpecVersion {
    /// Spec v0: `RequestServerInfo` without a version field.
    V0,
    /// Spec v1.
    V1,
    /// Spec v2.
    V2,
    /// Spec v3.
    V3,
    /// Spec v4 (major 4).
    V4,
}

impl SpecVersion {
    /// Every version, oldest first.
    pub const ALL: [Self; 5] = [Self::V0, Self::V1, Self::V2, Self::V3, Self::V4];

    /// The version number (`MessageVersion` for v0–v3, `ProtocolVersionMajor` for v4).
    pub const fn number(self) -> u32 {
        match self {
            Self::V0 => 0,
            Self::V1 => 1,
            Self::V2 => 2,
            Self::V3 => 3,
            Self::V4 => 4,
        }
    }

    /// The version with that number, if we speak it.
    pub const fn from_number(number: u32) -> Option<Self> {
        Some(match number {
            0 => Self::V0,
            1 => Self::V1,
            2 => Self::V2,
            3 => Self::V3,
            4 => Self::V4,
            _ => return None,
        })
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.number())
    }
}

/// A successful handshake: what the session keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// Id of the `RequestServerInfo`; the `ServerInfo` reply carries it.
    pub id: ClientId,
    /// The client's name; may be empty.
    pub client_name: String,
    /// The session's spec version, fixed from now on.
    pub version: SpecVersion,
    /// The client's minor version (v4 only; 0 for older versions).
    pub minor: u32,
}

/// Why a well-formed `RequestServerInfo` can not start a session: answered with ERROR_INIT, after
/// which the server closes the session (docs/PROTOCOL.md 4.1 item 3, D9, D10).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// `ProtocolVersionMajor` above 4: the client is newer than the server.
    #[error("client protocol version {major} is newer than the server's (4)")]
    ClientNewer {
        /// The requested major version.
        major: u32,
    },
    /// A v4-shaped request with `ProtocolVersionMajor` below 4 (D10).
    #[error("`ProtocolVersionMajor` {major} is below 4; older clients send `MessageVersion`")]
    OldMajorInV4Shape {
        /// The requested major version.
        major: u32,
    },
    /// A legacy-shaped request with `MessageVersion` 4 or more (D10).
    #[error(
        "`MessageVersion` {version} is not a legacy version; v4 clients send `ProtocolVersionMajor`"
    )]
    NewMessageVersion {
        /// The requested version.
        version: u32,
    },
}

impl VersionError {
    /// The wire error code: always ERROR_INIT.
    pub const fn code(&self) -> ErrorCode {
        ErrorCode::Init
    }
}

/// `RequestServerInfo` in any of its shapes, chosen by its fields (docs/PROTOCOL.md 4.1 item 2):
/// `ProtocolVersionMajor` → v4, else `MessageVersion` → v1, else v0.
///
/// A request with both fields is a malformed v4 request (unknown field `MessageVersion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyRequestServerInfo {
    /// No version field.
    V0(v0::RequestServerInfo),
    /// `MessageVersion` (v1, v2 and v3 clients).
    V1(v1::RequestServerInfo),
    /// `ProtocolVersionMajor` and `ProtocolVersionMinor`.
    V4(v4::RequestServerInfo),
}

impl AnyRequestServerInfo {
    /// Reads the body of a `RequestServerInfo` in the shape its fields select.
    pub fn from_body(body: &str) -> Result<Self, serde_json::Error> {
        #[derive(serde::Deserialize)]
        struct Probe {
            #[serde(rename = "ProtocolVersionMajor")]
            major: Option<IgnoredAny>,
            #[serde(rename = "MessageVersion")]
            message_version: Option<IgnoredAny>,
        }
        // A body the probe can not read (not an object, a repeated key) is reported by the v0
        // reader, which refuses the same things.
        let probe = serde_json::from_str::<Probe>(body)
            .unwrap_or(Probe { major: None, message_version: None });
        Ok(if probe.major.is_some() {
            Self::V4(serde_json::from_str(body)?)
        } else if probe.message_version.is_some() {
            Self::V1(serde_json::from_str(body)?)
        } else {
            Self::V0(serde_json::from_str(body)?)
        })
    }

    /// The request's Id.
    pub const fn id(&self) -> ClientId {
        match self {
            Self::V0(request) => request.id,
            Self::V1(request) => request.id,
            Self::V4(request) => request.id,
        }
    }

    /// Decides the session's version.
    pub fn detect(self) -> Result<Handshake, VersionError> {
        let (id, client_name, version, minor) = match self {
            Self::V0(request) => (request.id, request.client_name, SpecVersion::V0, 0),
            Self::V1(request) => match SpecVersion::from_number(request.message_version) {
                Some(version) if version < SpecVersion::V4 => {
                    (request.id, request.client_name, version, 0)
                }
                _ => {
                    return Err(VersionError::NewMessageVersion {
                        version: request.message_version,
                    });
                }
            },
            Self::V4(request) => match request.protocol_version_major {
                4 => (request.id, request.client_name, SpecVersion::V4, {
                    request.protocol_version_minor
                }),
                major if major > 4 => return Err(VersionError::ClientNewer { major }),
                major => return Err(VersionError::OldMajorInV4Shape { major }),
            },
        };
        Ok(Handshake { id, client_name, version, minor })
    }
}

/// A well-formed client message other than `RequestServerInfo`, of any version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherMessage {
    /// The message name.
    pub name: &'static str,
    /// The message Id (at least 1).
    pub id: u32,
    /// The newest version the message is valid in.
    pub version: SpecVersion,
}

/// What a client message can be before the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreHandshake {
    /// The handshake request, in one of its shapes; [`AnyRequestServerInfo::detect`] decides the
    /// version.
    RequestServerInfo(AnyRequestServerInfo),
    /// Any other well-formed client message of any version: answered with ERROR_INIT.
    Other(OtherMessage),
}

/// Every client message name of v0–v4.
const ALL_CLIENT_NAMES: &[&str] = &[
    "RequestServerInfo",
    "Ping",
    "Disconnect",
    "StartScanning",
    "StopScanning",
    "RequestDeviceList",
    "OutputCmd",
    "InputCmd",
    "StopCmd",
    "StopDeviceCmd",
    "StopAllDevices",
    "SingleMotorVibrateCmd",
    "VibrateCmd",
    "RotateCmd",
    "LinearCmd",
    "ScalarCmd",
    "BatteryLevelCmd",
    "SensorReadCmd",
    "SensorSubscribeCmd",
    "SensorUnsubscribeCmd",
    "RSSILevelCmd",
    "RawWriteCmd",
    "RawReadCmd",
    "RawSubscribeCmd",
    "RawUnsubscribeCmd",
    "FleshlightLaunchFW12Cmd",
    "VorzeA10CycloneCmd",
    "KiirooCmd",
    "LovenseCmd",
    "Test",
    "RequestLog",
];

/// Every server message name of v0–v4.
const ALL_SERVER_NAMES: &[&str] = &[
    "ServerInfo",
    "Ok",
    "Error",
    "ScanningFinished",
    "DeviceList",
    "DeviceAdded",
    "DeviceRemoved",
    "InputReading",
    "BatteryLevelReading",
    "SensorReading",
    "RSSILevelReading",
    "RawReading",
    "Log",
    "Test",
];

impl MessageSet for PreHandshake {
    const NAMES: &'static [&'static str] = ALL_CLIENT_NAMES;
    const OTHER_DIRECTION: &'static [&'static str] = ALL_SERVER_NAMES;
    const RECEIVER: &'static str = "server";
    const MIN_ID: u32 = 1;

    fn parse_body(name: &str, body: &str) -> Option<Result<Self, serde_json::Error>> {
        if name == "RequestServerInfo" {
            return Some(AnyRequestServerInfo::from_body(body).map(Self::RequestServerInfo));
        }
        // Newest first: a message valid in several versions reports its newest one, and a
        // message valid in none reports the error of the newest version that knows its name.
        let attempts = [
            other::<v4::ClientMessage>(name, body, SpecVersion::V4),
            other::<v3::ClientMessage>(name, body, SpecVersion::V3),
            other::<v2::ClientMessage>(name, body, SpecVersion::V2),
            other::<v1::ClientMessage>(name, body, SpecVersion::V1),
            other::<v0::ClientMessage>(name, body, SpecVersion::V0),
        ];
        let mut first_error = None;
        for attempt in attempts.into_iter().flatten() {
            match attempt {
                Ok(message) => return Some(Ok(Self::Other(message))),
                Err(err) => {
                    first_error.get_or_insert(err);
                }
            }
        }
        first_error.map(Err)
    }

    fn id(&self) -> u32 {
        match self {
            Self::RequestServerInfo(request) => request.id().get(),
            Self::Other(message) => message.id,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::RequestServerInfo(_) => "RequestServerInfo",
            Self::Other(message) => message.name,
        }
    }
}

fn other<M: MessageSet>(
    name: &str,
    body: &str,
    version: SpecVersion,
) -> Option<Result<OtherMessage, serde_json::Error>> {
    let parsed = M::parse_body(name, body)?;
    Some(parsed.map(|message| OtherMessage { name: message.name(), id: message.id(), version }))
}

#[cfg(test)]
mod tests;
