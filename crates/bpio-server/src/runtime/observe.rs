//! What happens in the server, told to whoever watches: clients that come and go, devices that
//! come and go, and every output a client's command set on a device.
//!
//! One stream serves every watcher (the engine's GUI channel, a status page). Telling never
//! waits: each watcher has a bounded backlog, and one that falls behind loses the oldest
//! observations and is told how many, so a slow watcher never slows a device or a session.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use bpio_protocol::{SpecVersion, v4};

use crate::owners::SessionId;
use tokio::sync::broadcast;

/// Observations a watcher may fall behind by before it loses the oldest.
const BACKLOG: usize = 1024;

/// Something that happened in the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// A client completed its handshake.
    ClientConnected {
        /// Its session, which names it in [`Observation::ClientDisconnected`].
        session: SessionId,
        /// The name the client gave.
        name: String,
        /// The spec version it chose.
        version: SpecVersion,
    },
    /// A client that connected left, after the devices wrote the stops its end called for
    /// (docs/PROTOCOL.md 14.4); it follows its [`Observation::ClientConnected`].
    ClientDisconnected {
        /// Its session.
        session: SessionId,
    },
    /// A device finished its init and is listed.
    DeviceConnected(Arc<ObservedDevice>),
    /// A listed device left.
    DeviceDisconnected {
        /// Its index.
        index: u32,
    },
    /// The server started scanning (`true`) or stopped (`false`).
    Scanning(bool),
    /// A device produced a reading: the answer to a session's read, or a reading of an input
    /// some session subscribed to.
    Input {
        /// The device's index.
        device: u32,
        /// The feature's index.
        feature: u32,
        /// The reading.
        reading: v4::Reading,
    },
    /// A device took up a session's output command; a stop, the end of a session included,
    /// appears as a value of 0 for the output it stops (docs/PROTOCOL.md 9). The server's own
    /// stop at shutdown is not told.
    Output {
        /// The device's index.
        device: u32,
        /// The feature's index.
        feature: u32,
        /// What the output does.
        output: v4::OutputType,
        /// The value, in the feature's advertised steps (a position for
        /// `HwPositionWithDuration`).
        value: i64,
    },
}

/// A connected device as watchers see it. The address is personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedDevice {
    /// The device's index.
    pub index: u32,
    /// The name from the device configuration.
    pub name: String,
    /// The name the user chose, if any.
    pub display_name: Option<String>,
    /// The protocol that drives it.
    pub protocol: String,
    /// The protocol's identifier of the model, where the protocol has one.
    pub identifier: Option<String>,
    /// Where the backend found it.
    pub address: String,
    /// Whether the device is sent keep-alives to stay connected or running.
    pub needs_keepalive: bool,
    /// How the device is reached.
    pub transport: bpio_hardware::Transport,
}

/// What a watcher receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The next observation.
    Event(Observation),
    /// The watcher fell behind and this many observations were dropped before the next.
    Missed(u64),
}

/// One watcher's end of the stream, from [`DeviceHub::observe`](super::DeviceHub::observe).
#[derive(Debug)]
pub struct Observer {
    receiver: broadcast::Receiver<Observation>,
    /// The count of watchers, which this one leaves when dropped.
    watchers: Arc<AtomicUsize>,
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.watchers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Observer {
    /// The next observation; `None` once the server is gone.
    pub async fn next(&mut self) -> Option<Observed> {
        match self.receiver.recv().await {
            Ok(observation) => Some(Observed::Event(observation)),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(Observed::Missed(missed)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next observation if one is waiting; `None` when none is, or the server is gone.
    pub fn try_next(&mut self) -> Option<Observed> {
        match self.receiver.try_recv() {
            Ok(observation) => Some(Observed::Event(observation)),
            Err(broadcast::error::TryRecvError::Lagged(missed)) => Some(Observed::Missed(missed)),
            Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed) => {
                None
            }
        }
    }
}

/// The telling end, shared by the hub task and its handles.
#[derive(Debug, Clone)]
pub(super) struct Observers {
    /// Made by the first watcher: its backlog is 64 KB, and most engines have no watcher.
    /// Until then there is no one to tell, as a channel without receivers drops what it is sent.
    sender: Arc<OnceLock<broadcast::Sender<Observation>>>,
    /// How many [`Observer`]s exist. The channel counts them too, but behind its lock, and
    /// device tasks ask for every output.
    watchers: Arc<AtomicUsize>,
}

impl Observers {
    pub(super) fn new() -> Self {
        Self { sender: Arc::default(), watchers: Arc::default() }
    }

    /// A new watcher, seeing what happens from now on.
    pub(super) fn subscribe(&self) -> Observer {
        self.watchers.fetch_add(1, Ordering::Relaxed);
        let sender = self.sender.get_or_init(|| broadcast::channel(BACKLOG).0);
        Observer { receiver: sender.subscribe(), watchers: Arc::clone(&self.watchers) }
    }

    /// Whether anyone watches: observations cost nothing to build while nobody does.
    pub(super) fn watched(&self) -> bool {
        self.watchers.load(Ordering::Relaxed) > 0
    }

    /// Tells every watcher; never waits.
    pub(super) fn tell(&self, observation: Observation) {
        // No channel, or an error, only means nobody watches.
        if let Some(sender) = self.sender.get() {
            let _ = sender.send(observation);
        }
    }
}

/// What `command` sets feature `feature` of `device` to.
pub(super) fn output(device: u32, feature: u32, command: &v4::OutputCommand) -> Observation {
    Observation::Output { device, feature, output: command.output_type(), value: command.value() }
}

/// What stopping `selected` (every feature when `None`) of `listed` sets: a 0 for the first
/// stoppable output of each selected feature, the output a stop drives to 0.
pub(super) fn stops(listed: &v4::Device, selected: Option<u32>) -> Vec<Observation> {
    let device = listed.device_index;
    listed
        .device_features
        .values()
        .filter(|f| selected.is_none_or(|s| s == f.feature_index))
        .filter_map(|f| {
            let output = f.output.as_ref()?.types().find(|ty| ty.is_stoppable())?;
            Some(Observation::Output { device, feature: f.feature_index, output, value: 0 })
        })
        .collect()
}
