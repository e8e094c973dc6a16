//! What travels between a session and the device tasks, and the table that routes it.
//!
//! A session's [`DeviceRequest`] goes straight to its device's task on that task's one channel,
//! looked up by index in [`Routes`]; the hub task only fills the table as devices come and go.
//! A device's [`DeviceEvent`]s go straight back to the session they are for the same way.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bpio_protocol::v4;
use tokio::sync::{mpsc, oneshot};

use super::backlog::Ticket;
use crate::error::Error;
use crate::index::{DeviceIndex, FeatureIndex};
use crate::owners::SessionId;
use crate::request::{DeviceRequest, ReadToken};

/// What the devices tell one session.
#[derive(Debug)]
pub enum DeviceEvent {
    /// A scan the session asked for ended by itself.
    ScanningFinished,
    /// The answer to a [`DeviceRequest::Read`].
    Reading {
        /// The read it answers.
        token: ReadToken,
        /// The reading, or why there is none.
        result: Result<v4::Reading, Error>,
    },
    /// A reading of an input the session subscribed to.
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
    /// Every attached session, by id (docs/PROTOCOL.md 14).
    sessions: RwLock<BTreeMap<SessionId, mpsc::UnboundedSender<DeviceEvent>>>,
    /// The number of the last session that attached; [`Routes::SERVER`] is 0.
    last_session: AtomicU64,
}

impl Routes {
    /// The sender of the server's own requests (the stops at shutdown), never a session.
    pub(super) const SERVER: SessionId = SessionId::new(0);

    /// Hands `queued` to device `index`; gives it back when no such device is connected.
    pub(super) fn send(&self, index: DeviceIndex, queued: Queued) -> Result<(), Queued> {
        match read(&self.devices).get(&index) {
            Some(device) => device.send(queued).map_err(|closed| closed.0),
            None => Err(queued),
        }
    }

    /// Calls `visit` with the index and channel of every connected device.
    pub(super) fn each_device(
        &self,
        mut visit: impl FnMut(DeviceIndex, &mpsc::UnboundedSender<Queued>),
    ) {
        read(&self.devices).iter().for_each(|(index, device)| visit(*index, device));
    }

    /// Routes requests for `index` to `device` from now on, in place of any device before it.
    pub(super) fn insert(&self, index: DeviceIndex, device: mpsc::UnboundedSender<Queued>) {
        write(&self.devices).insert(index, device);
    }

    /// Ends the route to `index`.
    pub(super) fn remove(&self, index: DeviceIndex) {
        write(&self.devices).remove(&index);
    }

    /// Adds a session that receives the device events meant for it, under a number no session
    /// had before.
    pub(super) fn attach(&self, session: mpsc::UnboundedSender<DeviceEvent>) -> SessionId {
        let id = SessionId::new(self.last_session.fetch_add(1, Ordering::Relaxed) + 1);
        write(&self.sessions).insert(id, session);
        id
    }

    /// Ends the route to session `id`.
    pub(super) fn detach(&self, id: SessionId) {
        write(&self.sessions).remove(&id);
    }

    /// Hands `event` to session `to`; a session that has ended no longer needs it.
    pub(super) fn tell(&self, to: SessionId, event: DeviceEvent) {
        let closed = match read(&self.sessions).get(&to) {
            Some(session) => session.send(event).is_err(),
            None => false,
        };
        if closed {
            self.detach(to);
        }
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
