//! Message ids.

use std::fmt;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

/// The `Id` of a message sent by a client: 1..=4294967295.
///
/// Id 0 is reserved for server events (docs/PROTOCOL.md 3), so a client message with Id 0 can
/// not be represented. Server messages carry a plain `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct ClientId(NonZeroU32);

impl ClientId {
    /// The id as a number; never 0.
    pub const fn get(self) -> u32 {
        self.0.get()
    }

    /// A client id, or `None` for the reserved 0.
    pub const fn new(id: u32) -> Option<Self> {
        match NonZeroU32::new(id) {
            Some(id) => Some(Self(id)),
            None => None,
        }
    }
}

impl TryFrom<u32> for ClientId {
    type Error = &'static str;

    fn try_from(id: u32) -> Result<Self, Self::Error> {
        Self::new(id).ok_or("Id 0 is reserved for server events")
    }
}

impl From<ClientId> for u32 {
    fn from(id: ClientId) -> Self {
        id.get()
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
