//! Driving one client session.

use std::future::Future;
use std::time::{Duration, Instant};

use bpio_protocol::serialize_frame;
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
    /// Queues one text frame; `false` if the connection is closed.
    fn send(&mut self, text: String) -> bool;
    /// Sends what is queued, then closes.
    fn close(&mut self, reason: CloseReason);
}

/// Actions the devices may have waiting before the session stops reading its client.
const BACKLOG_LIMIT: usize = 1024;

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
    loop {
        ending.clear();
        if !announced && let Some(name) = session.client_name() {
            announced = true;
            let (name, version) = (name.to_owned(), session.version());
            hub.tell(Observation::ClientConnected { session: id, name, version });
        }
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
            event = connection.recv(), if reading => match event {
                LinkEvent::Text(text) => session.handle_text(now(), text.as_bytes()),
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
                    session.handle_devices(devices.borrow_and_update().clone());
                }
            }
            Some(event) = events.recv() => {
                // A device-list change must reach the client before a ScanningFinished that the
                // same scan produced. The hub publishes the list before it sends the event, but
                // on another thread, maybe after this select found the list unchanged: look
                // again before handling the event.
                if devices.has_changed().unwrap_or(false) {
                    session.handle_devices(devices.borrow_and_update().clone());
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
/// confirmations of the actions for every device.
fn flush<C: ClientConnection>(
    id: SessionId,
    session: &mut Session,
    connection: &mut C,
    hub: &DeviceHub,
) -> Vec<Written> {
    let mut written = Vec::new();
    while let Some(action) = session.poll_action() {
        let every = matches!(action, crate::Action::EveryDevice { .. });
        let confirmation = hub.act(id, action);
        if every {
            written.push(confirmation);
        }
    }
    while let Some(message) = session.poll_transmit() {
        // The reference sends one message per array; some clients rely on it.
        connection.send(serialize_frame(&[message]));
    }
    written
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
