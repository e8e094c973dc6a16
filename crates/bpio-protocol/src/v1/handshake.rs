//! Handshake of spec v1, also used unchanged by v2 and v3 (docs/VERSIONS.md 7.1).

use serde::{Deserialize, Serialize};

use crate::ids::ClientId;
use crate::object::json_object;

/// The first message of a v1, v2 or v3 session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RequestServerInfo {
    /// Message id.
    pub id: ClientId,
    /// Name of the client, for display; may be empty.
    pub client_name: String,
    /// The spec version the client speaks.
    pub message_version: u32,
}

json_object!(RequestServerInfo);
