//! The event side of one connected device, for backends whose I/O runs in a task or thread of
//! its own.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::command::HardwareEvent;
use crate::endpoint::Endpoint;
use crate::error::HwError;
use crate::sink::EventSink;
use crate::traits::EndpointScope;

/// Shared by a backend's I/O task (or thread) and its [`Hardware`](crate::Hardware): bytes from
/// the device go to the server's sink once [`DeviceConnector::connect`](crate::DeviceConnector::connect) has
/// attached it, and the disconnect is reported exactly once, whichever side notices it first.
///
/// The link also knows the device's [`EndpointScope`] and, for a connection that carries every
/// endpoint, which endpoints are subscribed to, since bytes from such a device name none.
#[derive(Debug, Default)]
pub struct DeviceLink {
    scope: EndpointScope,
    state: Mutex<LinkState>,
}

#[derive(Debug, Default)]
struct LinkState {
    events: Option<EventSink<HardwareEvent>>,
    /// In the order of subscription.
    subscribed: Vec<Endpoint>,
    closed: bool,
}

impl DeviceLink {
    /// An open link of a device with named endpoints, with no sink attached yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// An open link of a device whose endpoints are `scope`, with no sink attached yet.
    pub fn with_scope(scope: EndpointScope) -> Self {
        Self { scope, state: Mutex::default() }
    }

    /// Which endpoints the device serves.
    pub fn scope(&self) -> EndpointScope {
        self.scope
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

    /// Records a subscription, which [`DeviceLink::notify_received`] delivers to.
    pub fn subscribe(&self, endpoint: Endpoint) {
        let mut state = self.lock();
        if !state.subscribed.contains(&endpoint) {
            state.subscribed.push(endpoint);
        }
    }

    /// Forgets a subscription.
    pub fn unsubscribe(&self, endpoint: Endpoint) {
        self.lock().subscribed.retain(|subscribed| *subscribed != endpoint);
    }

    /// Delivers bytes the device sent without naming an endpoint. A device with named endpoints
    /// sends on `rx`. On a connection that carries every endpoint, the bytes go to each endpoint
    /// subscribed to, in the order of subscription, since only the protocol knows which it is
    /// listening on; while none is, to `rx`, where a byte stream's replies arrive without
    /// subscribing. Returns `false` when nobody takes them, as [`DeviceLink::notify`] does.
    pub fn notify_received(&self, data: Vec<u8>) -> bool {
        let state = self.lock();
        let Some(events) = &state.events else { return false };
        let targets = match (self.scope, state.subscribed.as_slice()) {
            (EndpointScope::Every, subscribed @ [_, ..]) => subscribed,
            _ => &[Endpoint::Rx][..],
        };
        targets.iter().all(|endpoint| {
            let notification =
                HardwareEvent::Notification { endpoint: *endpoint, data: data.clone() };
            events.send(notification).is_ok()
        })
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
    fn bytes_go_to_the_endpoints_subscribed_to_when_the_connection_carries_every_endpoint() {
        let link = DeviceLink::with_scope(EndpointScope::Every);
        let (sink, seen) = recording();
        link.attach(sink).unwrap();
        let on =
            |endpoint, data: &[u8]| HardwareEvent::Notification { endpoint, data: data.to_vec() };
        assert!(link.notify_received(vec![1]), "rx while nothing is subscribed");
        link.subscribe(Endpoint::Whitelist);
        link.subscribe(Endpoint::RxBleBattery);
        link.subscribe(Endpoint::Whitelist);
        assert!(link.notify_received(vec![2]));
        link.unsubscribe(Endpoint::Whitelist);
        assert!(link.notify_received(vec![3]));
        link.unsubscribe(Endpoint::RxBleBattery);
        assert!(link.notify_received(vec![4]));
        assert_eq!(
            *seen.lock().unwrap(),
            [
                on(Endpoint::Rx, &[1]),
                on(Endpoint::Whitelist, &[2]),
                on(Endpoint::RxBleBattery, &[2]),
                on(Endpoint::RxBleBattery, &[3]),
                on(Endpoint::Rx, &[4]),
            ]
        );
    }

    #[test]
    fn bytes_of_a_device_with_named_endpoints_stay_on_rx() {
        let link = DeviceLink::new();
        assert_eq!(link.scope(), EndpointScope::Named);
        assert!(!link.notify_received(vec![1]), "nobody attached yet");
        let (sink, seen) = recording();
        link.attach(sink).unwrap();
        link.subscribe(Endpoint::Command);
        assert!(link.notify_received(vec![2]));
        assert_eq!(
            *seen.lock().unwrap(),
            [HardwareEvent::Notification { endpoint: Endpoint::Rx, data: vec![2] }]
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
