//! `ServerInfo` shape B (v2 and v3, docs/VERSIONS.md 8.1).

use serde::{Deserialize, Serialize};

use crate::object::json_object;

/// `ServerInfo` shape B: no server version numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase")]
pub struct ServerInfo {
    /// Id of the request.
    pub id: u32,
    /// Name of the server; may be empty.
    pub server_name: String,
    /// The session's spec version: always the client's version.
    pub message_version: u32,
    /// Milliseconds within which the client must ping; 0 disables the watchdog.
    pub max_ping_time: u32,
}

json_object!(ServerInfo);
