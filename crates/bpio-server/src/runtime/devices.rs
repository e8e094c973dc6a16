//! The task that owns the devices, and the handle sessions use to reach it.

use std::collections::BTreeMap;

use bpio_protocol::v4;
use tokio::sync::{mpsc, watch};
use tracing::debug;

use crate::session::{Action, ReadFailed, ReadToken};

/// What the devices tell the session attached to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// A scan ended by itself.
    ScanningFinished,
    /// The answer to an [`Action::Read`].
    Reading {
        /// The read it answers.
        token: ReadToken,
        /// The reading, or why there is none.
        result: Result<v4::Reading, ReadFailed>,
    },
    /// A reading of a subscribed input.
    Input {
        /// Device index.
        device: u32,
        /// Feature index.
        feature: u32,
        /// The reading.
        reading: v4::Reading,
    },
}

enum Request {
    Act(Action),
    Attach(mpsc::UnboundedSender<DeviceEvent>),
}

/// A cheap, cloneable handle to the device task.
#[derive(Debug, Clone)]
pub struct DeviceHub {
    requests: mpsc::UnboundedSender<Request>,
    list: watch::Receiver<BTreeMap<u32, v4::Device>>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Act(action) => f.debug_tuple("Act").field(action).finish(),
            Self::Attach(_) => f.write_str("Attach"),
        }
    }
}

impl DeviceHub {
    /// Starts the device task. It runs until every handle is dropped.
    pub fn spawn() -> Self {
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let (list_tx, list) = watch::channel(BTreeMap::new());
        tokio::spawn(run(requests_rx, list_tx));
        Self { requests, list }
    }

    /// The connected devices as clients see them, updated on every change.
    pub fn device_list(&self) -> watch::Receiver<BTreeMap<u32, v4::Device>> {
        self.list.clone()
    }

    /// Makes the calling session the one that receives device events (one session at a time).
    pub fn attach_session(&self) -> mpsc::UnboundedReceiver<DeviceEvent> {
        let (events, events_rx) = mpsc::unbounded_channel();
        let _ = self.requests.send(Request::Attach(events));
        events_rx
    }

    /// Hands an action to the devices.
    pub fn act(&self, action: Action) {
        let _ = self.requests.send(Request::Act(action));
    }
}

/// The device task. Hardware backends are not wired in yet, so no device ever connects: a scan
/// ends at once, and stops have nothing to stop.
async fn run(
    mut requests: mpsc::UnboundedReceiver<Request>,
    _list: watch::Sender<BTreeMap<u32, v4::Device>>,
) {
    let mut session: Option<mpsc::UnboundedSender<DeviceEvent>> = None;
    while let Some(request) = requests.recv().await {
        match request {
            Request::Attach(events) => session = Some(events),
            Request::Act(Action::StartScanning) => {
                // Every backend (of none) has finished its scan.
                if let Some(events) = &session {
                    let _ = events.send(DeviceEvent::ScanningFinished);
                }
            }
            Request::Act(Action::Read { token, device, .. }) => {
                if let Some(events) = &session {
                    let result = Err(ReadFailed(format!("device {device} is not connected")));
                    let _ = events.send(DeviceEvent::Reading { token, result });
                }
            }
            Request::Act(action) => debug!(?action, "no devices to act on"),
        }
    }
}
