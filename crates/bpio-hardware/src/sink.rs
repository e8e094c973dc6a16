//! Runtime-agnostic event delivery from backends to the server.

use std::fmt;
use std::sync::Arc;

/// The receiving side of an [`EventSink`] is gone; the sender should stop producing events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the event receiver is gone")]
pub struct SinkClosed;

/// Where a backend delivers events: a cloneable, non-blocking callback supplied by the server.
///
/// The server decides what is behind it (typically `tokio::sync::mpsc::UnboundedSender::send`),
/// so backends need no particular runtime: a btleplug task, a serial reader thread or a HID
/// polling thread can all call [`EventSink::send`]. Delivery must not block.
pub struct EventSink<E> {
    deliver: Arc<dyn Fn(E) -> Result<(), SinkClosed> + Send + Sync>,
}

impl<E> EventSink<E> {
    /// A sink calling `deliver` for every event.
    pub fn new(deliver: impl Fn(E) -> Result<(), SinkClosed> + Send + Sync + 'static) -> Self {
        Self { deliver: Arc::new(deliver) }
    }

    /// Delivers one event.
    pub fn send(&self, event: E) -> Result<(), SinkClosed> {
        (self.deliver)(event)
    }
}

impl<E: 'static> EventSink<E> {
    /// A sink of `F` events that converts each with `convert` and delivers it here, e.g. to tag
    /// a device's events with its id before they join the server's one event channel.
    pub fn map<F>(&self, convert: impl Fn(F) -> E + Send + Sync + 'static) -> EventSink<F> {
        let inner = self.clone();
        EventSink::new(move |event| inner.send(convert(event)))
    }
}

impl<E> Clone for EventSink<E> {
    fn clone(&self) -> Self {
        Self { deliver: Arc::clone(&self.deliver) }
    }
}

impl<E> fmt::Debug for EventSink<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventSink")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn map_tags_events_and_reports_closing() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&seen);
        let sink = EventSink::new(move |event: (u32, &'static str)| {
            let mut seen = store.lock().map_err(|_| SinkClosed)?;
            if seen.len() >= 2 {
                return Err(SinkClosed);
            }
            seen.push(event);
            Ok(())
        });
        let device = sink.map(|event| (7, event));
        assert_eq!(device.send("a"), Ok(()));
        assert_eq!(device.send("b"), Ok(()));
        assert_eq!(device.send("c"), Err(SinkClosed));
        assert_eq!(*seen.lock().unwrap(), vec![(7, "a"), (7, "b")]);
    }
}
