//! Handshake and end of session. (`Ping`, `Ok` and `Error` have the same shape in every version
//! and live in `v0`.)

use serde::{Deserialize, Serialize};

use crate::ids::ClientId;
use crate::object::json_object;

/// The first message of a session (docs/PROTOCOL.md 6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RequestServerInfo {
    /// Message id.
    pub id: ClientId,
    /// Name of the client, for display; may be empty.
    pub client_name: String,
    /// Major spec version the client speaks.
    pub protocol_version_major: u32,
    /// Minor spec version the client speaks.
    pub protocol_version_minor: u32,
}

/// Reply to [`RequestServerInfo`] (docs/PROTOCOL.md 6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct ServerInfo {
    /// Id of the request.
    pub id: u32,
    /// Name of the server; may be empty.
    pub server_name: String,
    /// Major spec version of the server.
    pub protocol_version_major: u32,
    /// Minor spec version of the server.
    pub protocol_version_minor: u32,
    /// Milliseconds within which the client must ping; 0 disables the watchdog.
    pub max_ping_time: u32,
}

/// Graceful end of a session (docs/PROTOCOL.md 6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Disconnect {
    /// Message id.
    pub id: ClientId,
}

json_object!(RequestServerInfo, ServerInfo, Disconnect);
