//! What travels between a session and the device tasks, and the table that routes it.
//!
//! A session's [`DeviceRequest`] goes straight to its device's task on that task's one channel,
//! looked up by index in [`Routes`]; the hub task only fills the table as devices come and go.
//! A device's [`DeviceEvent`]s go straight back to the attached session the same way.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

use bpio_protocol::v4;
use tokio::sync::{mpsc, oneshot};

use super::backlog::Ticket;
use crate::error::Error;
use crate::index::{DeviceIndex, FeatureIndex};
use crate::owners::{Owners, SessionId};
use crate::request::{DeviceRequest, ReadToken};

/// What the devices tell the session attached to them.
#[derive(Debug)]
pub enum DeviceEvent {
    /// A scan ended by itself.
    ScanningFinished,
    /// The answer to a [`DeviceRequest::Read`].
    Reading {
        /// The read it answers.
        token: ReadToken,
        /// The reading, or why there is none.
        result: Result<v4::Reading, Error>,
    },
    /// A reading of a subscribed input.
    Input {
        /// Which device.
        device: DeviceIndex,
        /// Which feature.
        feature: FeatureIndex,
        /// The reading.
        reading: v4::Reading,
    },
}

/// A request on a device task's channel.
#[derive(Debug)]
pub(super) struct Queued {
    pub(super) request: DeviceRequest,
    /// Who sent it: the device keeps who owns which output (docs/PROTOCOL.md 14).
    pub(super) from: SessionId,
    /// Dropped once the task has taken the request up: the session's back-pressure.
    pub(super) ticket: Ticket,
    /// Answered once what the request asked for is written (shutdown waits for the stops).
    pub(super) written: Option<oneshot::Sender<()>>,
}

/// Where requests and events go, shared by the hub task, its handles and the device tasks.
#[derive(Debug, Default)]
pub(super) struct Routes {
    devices: RwLock<BTreeMap<DeviceIndex, mpsc::UnboundedSender<Queued>>>,
    session: RwLock<Option<mpsc::UnboundedSender<DeviceEvent>>>,
    /// The number of the last session that attached; [`Routes::SERVER`] is 0.
    sessions: AtomicU64,
    /// The watchers' copy of the owners each device task keeps, so what a session's end stops
    /// is told as it is handed over, before the session is told gone; locked before `devices`.
    owners: Mutex<BTreeMap<DeviceIndex, Owners>>,
}

impl Routes {
    /// The sender of the server's own requests (the stops at shutdown), never a session.
    pub(super) const SERVER: SessionId = SessionId::new(0);

    /// Hands `queued` to device `index`; gives it back when no such device is connected.
    pub(super) fn send(&self, index: DeviceIndex, queued: Queued) -> Result<(), Queued> {
        match self.devices.read().unwrap_or_else(PoisonError::into_inner).get(&index) {
            Some(device) => device.send(queued).map_err(|closed| closed.0),
            None => Err(queued),
        }
    }

    /// Calls `visit` with the index and channel of every connected device.
    pub(super) fn each_device(
        &self,
        mut visit: impl FnMut(DeviceIndex, &mpsc::UnboundedSender<Queued>),
    ) {
        let devices = self.devices.read().unwrap_or_else(PoisonError::into_inner);
        devices.iter().for_each(|(index, device)| visit(*index, device));
    }

    /// Routes requests for `index` to `device` from now on, in place of any device before it.
    pub(super) fn insert(&self, index: DeviceIndex, device: mpsc::UnboundedSender<Queued>) {
        let mut owners = self.owners();
        owners.remove(&index);
        self.devices.write().unwrap_or_else(PoisonError::into_inner).insert(index, device);
    }

    /// Ends the route to `index`.
    pub(super) fn remove(&self, index: DeviceIndex) {
        let mut owners = self.owners();
        owners.remove(&index);
        self.devices.write().unwrap_or_else(PoisonError::into_inner).remove(&index);
    }

    /// The watchers' copy of the owners of each device's outputs, to be updated as requests are
    /// sent while it is held.
    pub(super) fn owners(&self) -> MutexGuard<'_, BTreeMap<DeviceIndex, Owners>> {
        self.owners.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes `session` the one that receives device events (one session at a time), and gives
    /// it a number no session had before.
    pub(super) fn attach(&self, session: mpsc::UnboundedSender<DeviceEvent>) -> SessionId {
        *self.session.write().unwrap_or_else(PoisonError::into_inner) = Some(session);
        SessionId::new(self.sessions.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Hands `event` to the attached session; with none attached, nobody needs it.
    pub(super) fn tell_session(&self, event: DeviceEvent) {
        if let Some(session) = &*self.session.read().unwrap_or_else(PoisonError::into_inner) {
            let _ = session.send(event);
        }
    }
}
