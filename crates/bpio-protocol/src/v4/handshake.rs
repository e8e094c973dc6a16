//! Handshake, keep-alive and generic replies.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::ids::ClientId;
use crate::object::json_object;

/// The first message of a session (PROTOCOL.md 6.1).
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

/// Reply to [`RequestServerInfo`] (PROTOCOL.md 6.2).
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

/// Keep-alive (PROTOCOL.md 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Ping {
    /// Message id.
    pub id: ClientId,
}

/// Graceful end of a session (PROTOCOL.md 6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Disconnect {
    /// Message id.
    pub id: ClientId,
}

/// Success reply (PROTOCOL.md 6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct Ok {
    /// Id of the acknowledged request.
    pub id: u32,
}

/// Failure reply, or an error event with Id 0 (PROTOCOL.md 5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct Error {
    /// Id of the offending request, or 0.
    pub id: u32,
    /// The error class.
    pub error_code: ErrorCode,
    /// Human-readable text; clients treat it as opaque.
    pub error_message: String,
}

json_object!(RequestServerInfo, ServerInfo, Ping, Disconnect, Ok, Error);
