//! Who owns which output of one device, so that the end of one session stops what that session
//! runs and nothing another session runs (docs/PROTOCOL.md 14).
//!
//! Sans-IO: an [`Owners`] table is told of outputs, stops and ended sessions, and answers with
//! what a session's end must stop; the device task keeps one and does the stopping.

use std::collections::BTreeMap;
use std::fmt;

use bpio_protocol::v4;

/// Names one client session for as long as the server runs; never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(u64);

impl SessionId {
    /// The session numbered `id`; the runtime hands them out as sessions attach.
    pub const fn new(id: u64) -> Self {
        Self(id)
    }

    /// The number, for logs.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether `command` leaves its feature running, so that its sender owns the feature
/// (docs/PROTOCOL.md 14.2): a level of 0 is off, while a stroker told to go anywhere, position 0
/// included, is being driven.
pub fn is_running(command: &v4::OutputCommand) -> bool {
    match command.output_type() {
        v4::OutputType::Position | v4::OutputType::HwPositionWithDuration => true,
        _ => command.value() != 0,
    }
}

/// What the end of a session stops on one device (docs/PROTOCOL.md 14.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    /// Nothing: another session owns a feature of the device, and the ended one owns none.
    Nothing,
    /// These features, which the ended session owned; other sessions own features of the
    /// device, and those keep running.
    Features(Vec<u32>),
    /// The whole device, as with one client: no other session owns any of its features, so
    /// nothing that runs for another session is touched.
    Device,
}

/// The owner of each running feature of one device (docs/PROTOCOL.md 14).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    /// Features whose newest command was running, by who sent it. A feature that is off, or
    /// was stopped, or was never commanded, has no entry.
    owners: BTreeMap<u32, SessionId>,
}

impl Owners {
    /// An empty table: nobody owns anything.
    pub fn new() -> Self {
        Self::default()
    }

    /// The session that owns `feature`, if any.
    pub fn owner(&self, feature: u32) -> Option<SessionId> {
        self.owners.get(&feature).copied()
    }

    /// Whether any session owns any feature.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// `from` commanded `feature`; `running` says whether the command leaves it running
    /// ([`is_running`]). The newest command decides, whoever sent it (14.1, 14.2).
    pub fn handle_output(&mut self, from: SessionId, feature: u32, running: bool) {
        if running {
            self.owners.insert(feature, from);
        } else {
            self.owners.remove(&feature);
        }
    }

    /// `feature`, or every feature when `None`, was stopped: nobody owns it any more (14.5).
    pub fn handle_stop(&mut self, feature: Option<u32>) {
        match feature {
            Some(feature) => {
                self.owners.remove(&feature);
            }
            None => self.owners.clear(),
        }
    }

    /// `session` ended: what to stop, and the ended session owns nothing from now on (14.4).
    pub fn handle_session_end(&mut self, session: SessionId) -> Release {
        let others = self.owners.values().any(|owner| *owner != session);
        let owned: Vec<u32> =
            self.owners.iter().filter(|(_, owner)| **owner == session).map(|(f, _)| *f).collect();
        self.owners.retain(|_, owner| *owner != session);
        match (others, owned.is_empty()) {
            (false, _) => Release::Device,
            (true, true) => Release::Nothing,
            (true, false) => Release::Features(owned),
        }
    }
}

#[cfg(test)]
mod tests;
