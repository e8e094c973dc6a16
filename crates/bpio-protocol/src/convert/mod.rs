//! Translation between the spec versions, one adjacent pair at a time (docs/VERSIONS.md 4, 5, 11,
//! 12).
//!
//! Internally everything is v4. A legacy client's messages go **up** the chain
//! (v0 → v1 → v2 → v3 → v4) and the server's messages go **down** it (v4 → v3 → v2 → v1 → v0).
//! Each step is a pure function in the module named after its pair, taking the state it needs as
//! an argument:
//!
//! | Step | Client messages up | Server messages down |
//! |---|---|---|
//! | [`v0_v1`] | total, no context | no context |
//! | [`v1_v2`] | `&v2::DeviceList` (vibrator counts for `SingleMotorVibrateCmd`) | no context |
//! | [`v2_v3`] | no context | no context |
//! | [`v3_v4`] | `&v4::DeviceList` (legacy index → feature, through [`DeviceView`]) | `known:
//! &v4::DeviceList` (the list the client was last told about) |
//!
//! A message is refused at the step where it stops existing, which gives the code docs/VERSIONS.md
//! 2.1 assigns (ERROR_MSG for `Test`, `RequestLog` and the device-specific commands, ERROR_DEVICE
//! for RSSI, raw and sensor-subscription messages). Conversion is atomic: a message either converts
//! completely or yields one [`ConvertError`].
//!
//! [`AnyClientMessage`], [`client_to_v4`] and [`server_from_v4`] run the whole chain for a session
//! of a given version; they only compose the adjacent steps.
//!
//! How a server uses this for a session of version `version` (after [`crate::PreHandshake`]):
//!
//! ```text
//! incoming: AnyClientMessage::parse(version, &raw)   -> Err: Error code 3 with err.id
//!           client_to_v4(message, &current_devices)   -> Err: Error err.code() with err.id
//!           execute the v4 commands together, one reply (an empty list is just Ok)
//! outgoing: server_from_v4(version, reply_or_event, &known) -> zero or more messages to send
//!           after a DeviceList event: known = that list
//! ```

mod error;
mod steps;
pub mod v0_v1;
pub mod v1_v2;
pub mod v2_v3;
pub mod v3_v4;
mod view;

use serde::{Serialize, Serializer};

pub use error::{ConvertError, ConvertErrorKind};
pub use steps::{linear as linear_step, position as position_step, speed as speed_step};
pub use view::{ActuatorEntry, DeviceView, SensorEntry};

use crate::error::ParseError;
use crate::frame::{MessageSet, RawMessage};
use crate::version::SpecVersion;
use crate::{v0, v1, v2, v3, v4};

/// A client message of any version.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum AnyClientMessage {
    V0(v0::ClientMessage),
    V1(v1::ClientMessage),
    V2(v2::ClientMessage),
    V3(v3::ClientMessage),
    V4(v4::ClientMessage),
}

impl AnyClientMessage {
    /// Parses `raw` with the client message set of `version`.
    pub fn parse(version: SpecVersion, raw: &RawMessage<'_>) -> Result<Self, ParseError> {
        Ok(match version {
            SpecVersion::V0 => Self::V0(raw.parse()?),
            SpecVersion::V1 => Self::V1(raw.parse()?),
            SpecVersion::V2 => Self::V2(raw.parse()?),
            SpecVersion::V3 => Self::V3(raw.parse()?),
            SpecVersion::V4 => Self::V4(raw.parse()?),
        })
    }

    /// The message's Id.
    pub fn id(&self) -> u32 {
        match self {
            Self::V0(message) => message.id(),
            Self::V1(message) => message.id(),
            Self::V2(message) => message.id(),
            Self::V3(message) => message.id(),
            Self::V4(message) => message.id(),
        }
    }

    /// The message's name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::V0(message) => message.name(),
            Self::V1(message) => message.name(),
            Self::V2(message) => message.name(),
            Self::V3(message) => message.name(),
            Self::V4(message) => message.name(),
        }
    }
}

/// A server message of any version.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum AnyServerMessage {
    V0(v0::ServerMessage),
    V1(v1::ServerMessage),
    V2(v2::ServerMessage),
    V3(v3::ServerMessage),
    V4(v4::ServerMessage),
}

impl Serialize for AnyServerMessage {
    /// Serializes the inner message: `{"Name": {...}}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::V0(message) => message.serialize(serializer),
            Self::V1(message) => message.serialize(serializer),
            Self::V2(message) => message.serialize(serializer),
            Self::V3(message) => message.serialize(serializer),
            Self::V4(message) => message.serialize(serializer),
        }
    }
}

/// Translates a client message of any version into the v4 messages that execute it, stepping
/// up one version at a time. `devices` is the current v4 device list.
pub fn client_to_v4(
    message: AnyClientMessage,
    devices: &v4::DeviceList,
) -> Result<Vec<v4::ClientMessage>, ConvertError> {
    let v1 = match message {
        AnyClientMessage::V4(message) => return Ok(vec![message]),
        AnyClientMessage::V3(message) => return v3_v4::upgrade_client(message, devices),
        AnyClientMessage::V2(message) => {
            return v3_v4::upgrade_client(v2_v3::upgrade_client(message)?, devices);
        }
        AnyClientMessage::V1(message) => message,
        AnyClientMessage::V0(message) => v0_v1::upgrade_client(message),
    };
    let v2 = v1_v2::upgrade_client(v1, &v2_device_list(devices))?;
    v3_v4::upgrade_client(v2_v3::upgrade_client(v2)?, devices)
}

/// Translates a v4 server message for a client of `version`, stepping down one version at a
/// time; the result may be empty (no equivalent) or hold several events (device changes).
///
/// `known` is the v4 device list the client was last told about (see
/// [`v3_v4::downgrade_server`]); after passing a `DeviceList` event, store that list as `known`.
pub fn server_from_v4(
    version: SpecVersion,
    message: v4::ServerMessage,
    known: &v4::DeviceList,
) -> Vec<AnyServerMessage> {
    if version == SpecVersion::V4 {
        return vec![AnyServerMessage::V4(message)];
    }
    let mut out = Vec::new();
    for v3 in v3_v4::downgrade_server(message, known) {
        if version == SpecVersion::V3 {
            out.push(AnyServerMessage::V3(v3));
            continue;
        }
        let Some(v2) = v2_v3::downgrade_server(v3) else { continue };
        if version == SpecVersion::V2 {
            out.push(AnyServerMessage::V2(v2));
            continue;
        }
        let Some(v1) = v1_v2::downgrade_server(v2) else { continue };
        if version == SpecVersion::V1 {
            out.push(AnyServerMessage::V1(v1));
            continue;
        }
        out.extend(v0_v1::downgrade_server(v1).map(AnyServerMessage::V0));
    }
    out
}

/// The device list as a v2 client sees it, built down the chain from the v4 list.
fn v2_device_list(devices: &v4::DeviceList) -> v2::DeviceList {
    let v3 = v3_v4::device_list(devices);
    v2::DeviceList { id: v3.id, devices: v3.devices.into_iter().map(v2_v3::device).collect() }
}
