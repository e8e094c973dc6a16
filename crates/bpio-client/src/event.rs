//! Events and the stream that delivers them.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bpio_protocol::v4;
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::device::Device;
use crate::error::Error;

/// Something that happened without being asked for.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub enum Event {
    /// A device connected to the server (or was connected when the stream started).
    DeviceAdded(Device),
    /// A device left the server; its handle now reports it is not connected. A device replaced
    /// by another at the same index is removed, then the new one added.
    DeviceRemoved(Device),
    /// A scan ended by itself.
    ScanningFinished,
    /// A reading of a subscribed input. Subscription streams get them too.
    InputReading {
        /// Device index.
        device: u32,
        /// Feature index.
        feature: u32,
        /// The reading.
        reading: v4::Reading,
    },
    /// The connection ended without [`Client::disconnect`](crate::Client::disconnect): the
    /// server closed it or it was lost. The last event of the stream.
    ServerDisconnect,
    /// Something went wrong outside any request: an error the server reported as an event (a
    /// ping timeout, say), an unreadable message, or a keep-alive ping that failed.
    Error(Error),
}

/// The client's events, as a [`Stream`] or through [`EventStream::next`]. It ends after the
/// connection has closed.
#[derive(Debug)]
pub struct EventStream {
    backlog: VecDeque<Event>,
    receiver: mpsc::UnboundedReceiver<Event>,
}

impl EventStream {
    pub(crate) fn new(backlog: VecDeque<Event>, receiver: mpsc::UnboundedReceiver<Event>) -> Self {
        Self { backlog, receiver }
    }

    /// The next event; `None` once the connection has closed and every event was read.
    pub async fn next(&mut self) -> Option<Event> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        match self.backlog.pop_front() {
            Some(event) => Poll::Ready(Some(event)),
            None => self.receiver.poll_recv(cx),
        }
    }
}

impl Stream for EventStream {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.get_mut().poll_event(cx)
    }
}
