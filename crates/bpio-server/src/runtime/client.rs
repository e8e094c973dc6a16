//! Driving one client session.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use bpio_protocol::convert::AnyServerMessage;
use bpio_protocol::serialize_frame;
use bpio_protocol::v4::{self, ServerMessage};
use tokio::sync::watch;
use tracing::{debug, info};

use super::devices::{DeviceHub, Written};
use super::observe::Observation;
use super::route::DeviceEvent;
use crate::owners::SessionId;
use crate::session::{Session, SessionConfig};

/// What arrived from the client's transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// A text frame: one transmission.
    Text(String),
    /// A binary frame.
    Binary,
    /// The transport closed the connection because a frame was too large.
    TooBig,
    /// The connection ended.
    Closed,
}

/// Why the server closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The session ended normally: `Disconnect`, a refused handshake or a ping timeout.
    SessionEnded,
    /// The server is shutting down.
    ServerStopping,
}

/// A client connection as the server sees it; implemented by transports (the engine adapts the
/// websocket transport), so the server never names one.
pub trait ClientConnection: Send {
    /// The next event; [`LinkEvent::Closed`] once the connection has ended.
    fn recv(&mut self) -> impl Future<Output = LinkEvent> + Send;
    /// The next event if one has arrived, without waiting. A connection that cannot tell keeps
    /// the default, and its client's stop-alls are acted on in their turn instead of as soon
    /// as they arrive (docs/PROTOCOL.md 14.10).
    fn try_recv(&mut self) -> Option<LinkEvent> {
        None
    }
    /// Queues one text frame; `false` if the connection is closed.
    fn send(&mut self, text: String) -> bool;
    /// Whether frames queued earlier are still on their way to the client. While they are, the
    /// session holds device-list changes back and sends only the newest once they are written
    /// (docs/PROTOCOL.md 14.8). A connection that cannot tell keeps the default, and its
    /// client gets a list for every change the session sees.
    fn sending(&self) -> bool {
        false
    }
    /// Completes once the frames queued so far are written; asked only while
    /// [`Self::sending`] says they are not.
    fn sent(&self) -> impl Future<Output = ()> + Send + 'static {
        std::future::ready(())
    }
    /// Sends what is queued, then closes.
    fn close(&mut self, reason: CloseReason);
}

/// Actions the devices may have waiting before the session stops reading its client.
const BACKLOG_LIMIT: usize = 1024;

/// Bytes of client messages read ahead of the one being handled, looked at for stop-alls
/// (docs/PROTOCOL.md 14.10). Past this, the client is not read until the session catches up.
/// Reading is far faster than handling, so a window this size takes in what a flooding client
/// has sent instead of leaving it, and a stop-all behind it, in the socket buffers
/// (docs/PERFORMANCE.md, where the tail came from).
const READ_AHEAD_BYTES: usize = 4 << 20;

/// What an event read ahead counts toward [`READ_AHEAD_BYTES`]: its text and a little for its
/// place in the queue, so that a flood of empty messages is bounded too.
fn ahead_cost(event: &LinkEvent) -> usize {
    match event {
        LinkEvent::Text(text) => text.len() + 64,
        _ => 64,
    }
}

/// Client events read but not yet handled, oldest first.
#[derive(Debug, Default)]
struct Ahead {
    events: VecDeque<LinkEvent>,
    bytes: usize,
    /// The connection's last event is among them: nothing more is read.
    ended: bool,
}

impl Ahead {
    /// Moves what the connection already has into the queue, up to [`READ_AHEAD_BYTES`], and
    /// shows each text to the session, which sends a stop-all's stop at once.
    fn fill<C: ClientConnection>(&mut self, connection: &mut C, session: &mut Session) {
        while !self.ended && self.bytes < READ_AHEAD_BYTES {
            let Some(event) = connection.try_recv() else { return };
            match &event {
                LinkEvent::Text(text) => {
                    session.read_ahead(text.as_bytes());
                }
                LinkEvent::Binary => {}
                LinkEvent::TooBig | LinkEvent::Closed => self.ended = true,
            }
            self.bytes += ahead_cost(&event);
            self.events.push_back(event);
        }
    }

    /// The oldest event read ahead, or else the next from the connection; `true` with the one
    /// read ahead, which the session has seen already.
    ///
    /// Cancel-safe, as `select!` needs: nothing is taken before the last await.
    async fn next<C: ClientConnection>(&mut self, connection: &mut C) -> (LinkEvent, bool) {
        if self.events.is_empty() {
            return (connection.recv().await, false);
        }
        // Taken without waiting, so give the other tasks their turn now and then, as a read
        // from the connection would.
        tokio::task::consume_budget().await;
        let Some(event) = self.events.pop_front() else {
            return (connection.recv().await, false);
        };
        self.bytes -= ahead_cost(&event);
        if self.events.is_empty() && self.events.capacity() > 64 {
            // A flood is over: give back its queue.
            self.events = VecDeque::new();
        }
        (event, true)
    }
}

/// How long the end of a session waits for the devices to write the stops it called for before
/// the watchers are told the client left (a device that does not answer must not hold it up).
const END_PATIENCE: Duration = Duration::from_secs(3);

/// Serves one client until its session ends, the connection drops or `stop` turns true. On
/// every way out, the session's end-of-session work (stop what it owns, end subscriptions) is
/// handed to the devices, and this returns once they wrote it (or after a few seconds). Any
/// number of clients may be served at once, each by its own call (docs/PROTOCOL.md 14).
pub async fn serve_client<C: ClientConnection>(
    mut connection: C,
    config: SessionConfig,
    hub: &DeviceHub,
    mut stop: watch::Receiver<bool>,
) {
    let mut devices = hub.device_list();
    let (id, mut events) = hub.attach_session();
    let mut session = Session::new(config, devices.borrow_and_update().clone());
    info!(session = %id, "session started");
    // Whether the watchers were told of this client (once its handshake is done).
    let mut announced = false;
    // What the devices are to write for the actions for every device (a stop-all, the
    // session's end); only those of the last flush are waited for.
    let mut ending = Vec::new();
    let mut ahead = Ahead::default();
    let mut held: Option<HeldList> = None;
    loop {
        ending.clear();
        if !announced && let Some(name) = session.client_name() {
            announced = true;
            let (name, version) = (name.to_owned(), session.version());
            hub.tell(Observation::ClientConnected { session: id, name, version });
        }
        ahead.fill(&mut connection, &mut session);
        ending.extend(flush(id, &mut session, &mut connection, hub));
        if session.wants_close() {
            connection.close(CloseReason::SessionEnded);
            break;
        }
        let deadline = session.poll_timeout().map(tokio::time::Instant::from_std);
        // Back-pressure: while the devices are behind or reads are piling up, the client is not
        // read, so its socket fills and slows it down; everything else goes on.
        let reading = session.wants_input() && hub.backlog() < BACKLOG_LIMIT;
        tokio::select! {
            biased;
            (event, seen) = ahead.next(&mut connection), if reading => match event {
                LinkEvent::Text(text) => {
                    // Every transmission is seen once before it is handled, so that a stop-all
                    // behind it, arrived meanwhile, is acted on first.
                    if !seen {
                        session.read_ahead(text.as_bytes());
                    }
                    ahead.fill(&mut connection, &mut session);
                    session.handle_text(now(), text.as_bytes());
                }
                LinkEvent::Binary => session.handle_binary(),
                LinkEvent::TooBig | LinkEvent::Closed => {
                    debug!(?event, "client connection ended");
                    session.handle_transport_closed();
                    ending.extend(flush(id, &mut session, &mut connection, hub));
                    break;
                }
            },
            changed = devices.changed() => {
                if changed.is_ok() {
                    let list = devices.borrow_and_update().clone();
                    HeldList::hold_or_hand(list, &connection, &mut session, &mut held);
                }
            }
            () = HeldList::sent(&mut held), if held.is_some() => {
                if let Some(HeldList { list, .. }) = held.take() {
                    session.handle_devices(list);
                }
            }
            Some(event) = events.recv() => {
                // A device-list change must reach the client before a ScanningFinished that the
                // same scan produced. The hub publishes the list before it sends the event, but
                // on another thread, maybe after this select found the list unchanged: look
                // again before handling the event, and hand over a list held back too.
                let held_list = held.take().map(|held| held.list);
                let changed = devices.has_changed().unwrap_or(false);
                let newest = changed.then(|| devices.borrow_and_update().clone());
                if let Some(list) = newest.or(held_list) {
                    session.handle_devices(list);
                }
                handle_device_event(&mut session, event);
            }
            () = hub.backlog_below(BACKLOG_LIMIT), if !reading && session.wants_input() => {}
            () = sleep_until(deadline) => session.handle_timeout(now()),
            _ = stop.wait_for(|stopping| *stopping) => {
                session.handle_transport_closed();
                ending.extend(flush(id, &mut session, &mut connection, hub));
                connection.close(CloseReason::ServerStopping);
                break;
            }
        }
    }
    drop(connection);
    // Watchers see the outputs the end stopped go to 0 before they see the client leave.
    let mut confirmed = true;
    for written in ending {
        confirmed &= written.wait(END_PATIENCE).await;
    }
    if !confirmed {
        debug!(session = %id, "a device did not confirm the stops of the session's end");
    }
    hub.detach_session(id);
    if announced {
        hub.tell(Observation::ClientDisconnected { session: id });
    }
    info!(session = %id, "session ended");
}

fn handle_device_event(session: &mut Session, event: DeviceEvent) {
    match event {
        DeviceEvent::ScanningFinished => session.handle_scanning_finished(),
        DeviceEvent::Reading { token, result } => session.handle_reading(token, result),
        DeviceEvent::Input { device, feature, reading } => {
            session.handle_input_event(device, feature, reading);
        }
    }
}

/// Sends every queued message and hands every queued action to the devices; returns the
/// confirmations of the actions for every device. Replies go first: on the engine's one runtime
/// thread the tasks run in the order they are woken, and a device's write passes through two
/// tasks (its device task and its connection's), so the client's socket task, woken first,
/// writes the replies before the device task starts, instead of after it (docs/PERFORMANCE.md).
fn flush<C: ClientConnection>(
    id: SessionId,
    session: &mut Session,
    connection: &mut C,
    hub: &DeviceHub,
) -> Vec<Written> {
    while let Some(message) = session.poll_transmit() {
        // The reference sends one message per array; some clients rely on it.
        let text = match &message {
            AnyServerMessage::V4(ServerMessage::DeviceList(list)) if list.id == 0 => {
                hub.list_event_frame(&list.devices)
            }
            _ => serialize_frame(&[message]),
        };
        connection.send(text);
    }
    let mut written = Vec::new();
    while let Some(action) = session.poll_action() {
        let every = matches!(action, crate::Action::EveryDevice { .. });
        let confirmation = hub.act(id, action);
        if every {
            written.push(confirmation);
        }
    }
    written
}

/// A device-list change held back while the client's earlier frames are still on their way, so
/// that a client reading slower than devices come and go is sent the newest list once it has
/// read the others, not one list per change (docs/PROTOCOL.md 14.8).
struct HeldList {
    list: v4::Devices,
    sent: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl HeldList {
    /// Hands `list` to the session, or holds it (in place of one held before) while the
    /// connection is still sending.
    fn hold_or_hand<C: ClientConnection>(
        list: v4::Devices,
        connection: &C,
        session: &mut Session,
        held: &mut Option<Self>,
    ) {
        if !connection.sending() {
            *held = None;
            session.handle_devices(list);
            return;
        }
        match held {
            Some(held) => held.list = list,
            None => *held = Some(Self { list, sent: Box::pin(connection.sent()) }),
        }
    }

    /// Completes once the frames ahead of the held list are written.
    async fn sent(held: &mut Option<Self>) {
        match held {
            Some(held) => held.sent.as_mut().await,
            None => std::future::pending().await,
        }
    }
}

/// The runtime's clock, which tests can pause and advance.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection that has nothing more to say.
    struct Silent;

    impl ClientConnection for Silent {
        async fn recv(&mut self) -> LinkEvent {
            std::future::pending().await
        }
        fn send(&mut self, _text: String) -> bool {
            true
        }
        fn close(&mut self, _reason: CloseReason) {}
    }

    /// `serve_client` waits for the next event in a `select!` beside other branches, which drops
    /// the wait of a branch that is not ready; an event read ahead must survive that.
    #[tokio::test]
    async fn an_event_read_ahead_is_not_lost_when_its_wait_is_dropped() {
        use std::pin::pin;
        use std::task::Poll;
        // In a task of its own, which the runtime gives a budget.
        tokio::spawn(async {
            let mut ahead = Ahead::default();
            for n in 0..3 {
                let event = LinkEvent::Text(n.to_string());
                ahead.bytes += ahead_cost(&event);
                ahead.events.push_back(event);
            }
            // Use up the task's budget, so that the next wait yields its turn.
            loop {
                let spent = std::future::poll_fn(|cx| {
                    Poll::Ready(pin!(tokio::task::consume_budget()).poll(cx).is_pending())
                });
                if spent.await {
                    break;
                }
            }
            let mut silent = Silent;
            let waited = std::future::poll_fn(|cx| {
                Poll::Ready(pin!(ahead.next(&mut silent)).poll(cx).is_pending())
            });
            assert!(waited.await, "the wait did not yield with the budget spent");
            assert_eq!(ahead.events.len(), 3, "the dropped wait took an event with it");
            assert_eq!(
                ahead.bytes,
                (0..3).map(|n| ahead_cost(&LinkEvent::Text(n.to_string()))).sum::<usize>()
            );
        })
        .await
        .unwrap();
    }
}
