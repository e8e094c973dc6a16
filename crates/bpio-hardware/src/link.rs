//! The event side of one connected device, for backends whose I/O runs in a task or thread of
//! its own.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::command::HardwareEvent;
use crate::endpoint::Endpoint;
use crate::error::HwError;
use crate::sink::EventSink;

/// Shared by a backend's I/O task (or thread) and its [`Hardware`](crate::Hardware): bytes from
/// the device go to the server's sink once [`Connector::connect`](crate::Connector::connect) has
/// attached it, and the disconnect is reported exactly once, whichever side notices it first.
#[derive(Debug, Default)]
pub struct DeviceLink {
    state: Mutex<LinkState>,
}

#[derive(Debug, Default)]
struct LinkState {
    events: Option<EventSink<HardwareEvent>>,
    closed: bool,
}

impl DeviceLink {
    /// An open link with no sink attached yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Attaches the server's sink; a link that has already closed gives
    /// [`HwError::Disconnected`].
    pub fn attach(&self, events: EventSink<HardwareEvent>) -> Result<(), HwError> {
        let mut state = self.lock();
        if state.closed {
            return Err(HwError::Disconnected);
        }
        state.events = Some(events);
        Ok(())
    }

    /// Delivers bytes from the device; returns `false` when nobody takes them (no sink attached
    /// yet, the link closed, or the server gone), so the caller can log what it dropped.
    pub fn notify(&self, endpoint: Endpoint, data: Vec<u8>) -> bool {
        match &self.lock().events {
            Some(events) => events.send(HardwareEvent::Notification { endpoint, data }).is_ok(),
            None => false,
        }
    }

    /// Whether the link has closed.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Closes the link and reports [`HardwareEvent::Disconnected`] if a sink is attached; later
    /// calls do nothing.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        if let Some(events) = state.events.take() {
            // A server that is gone needs no news.
            let _ = events.send(HardwareEvent::Disconnected);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn recording() -> (EventSink<HardwareEvent>, Arc<Mutex<Vec<HardwareEvent>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&seen);
        let sink = EventSink::new(move |event| {
            store.lock().unwrap().push(event);
            Ok(())
        });
        (sink, seen)
    }

    #[test]
    fn bytes_flow_once_attached_and_the_disconnect_is_reported_once() {
        let link = DeviceLink::new();
        assert!(!link.notify(Endpoint::Rx, vec![1]), "nobody attached yet");
        let (sink, seen) = recording();
        link.attach(sink).unwrap();
        assert!(link.notify(Endpoint::Rx, vec![2]));
        link.close();
        link.close();
        assert!(link.is_closed());
        assert!(!link.notify(Endpoint::Rx, vec![3]));
        assert_eq!(
            *seen.lock().unwrap(),
            [
                HardwareEvent::Notification { endpoint: Endpoint::Rx, data: vec![2] },
                HardwareEvent::Disconnected
            ]
        );
    }

    #[test]
    fn a_closed_link_cannot_be_attached() {
        let link = DeviceLink::new();
        link.close();
        let (sink, seen) = recording();
        assert!(matches!(link.attach(sink), Err(HwError::Disconnected)));
        assert!(seen.lock().unwrap().is_empty());
    }
}
