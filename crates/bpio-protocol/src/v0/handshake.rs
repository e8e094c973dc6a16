//! Handshake of spec v0 (docs/VERSIONS.md 6.1); `ServerInfo` shape A is also used by v1.

use serde::{Deserialize, Serialize};

use crate::ids::ClientId;
use crate::object::json_object;

/// The first message of a v0 session: no version field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RequestServerInfo {
    /// Message id.
    pub id: ClientId,
    /// Name of the client, for display; may be empty.
    pub client_name: String,
}

/// `ServerInfo` shape A (v0 and v1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct ServerInfo {
    /// Id of the request.
    pub id: u32,
    /// Name of the server; may be empty.
    pub server_name: String,
    /// Server major version; we send 0.
    pub major_version: u32,
    /// Server minor version; we send 0.
    pub minor_version: u32,
    /// Server build version; we send 0.
    pub build_version: u32,
    /// The session's spec version: always the client's version.
    pub message_version: u32,
    /// Milliseconds within which the client must ping; 0 disables the watchdog.
    pub max_ping_time: u32,
}

json_object!(RequestServerInfo, ServerInfo);
