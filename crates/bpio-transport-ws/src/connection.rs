//! One websocket connection and the task that owns its socket.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tracing::{debug, trace, warn};

pub use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::Config;
use crate::server::SlotGuard;

/// Something that arrived from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A text frame.
    Text(String),
    /// A binary frame (not part of the protocol; the session answers it with an error).
    Binary(Vec<u8>),
    /// The peer sent a message larger than [`Config::max_message_bytes`]; the connection has been
    /// closed with code 1009.
    TooBig,
    /// The connection ended: close frame, end of stream, error, or missed keep-alive. Last event.
    Closed,
}

enum Command {
    Text(String),
    Binary(Vec<u8>),
    Close(CloseCode, String),
}

/// The sending half of a connection; cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbound {
    commands: mpsc::UnboundedSender<Command>,
    unsent: Arc<Unsent>,
}

impl Outbound {
    /// Queues a text frame. Returns `false` when the connection is already closed.
    pub fn send(&self, text: String) -> bool {
        self.queue(Command::Text(text))
    }

    /// Queues a binary frame (not part of the protocol: for programs that relay frames as they
    /// are, such as a repeater). Returns `false` when the connection is already closed.
    pub fn send_binary(&self, data: Vec<u8>) -> bool {
        self.queue(Command::Binary(data))
    }

    fn queue(&self, frame: Command) -> bool {
        self.unsent.frames.fetch_add(1, Ordering::AcqRel);
        let queued = self.commands.send(frame).is_ok();
        if !queued {
            self.unsent.written(1);
        }
        queued
    }

    /// Whether frames queued earlier are not all written to the socket yet: the peer reads
    /// slower than it is sent to, or the I/O task has not run since.
    pub fn is_sending(&self) -> bool {
        self.unsent.frames.load(Ordering::Acquire) > 0
    }

    /// Completes once every frame queued so far is written to the socket (at once if none
    /// waits); never, if the connection ends first.
    pub fn sent(&self) -> impl Future<Output = ()> + Send + 'static {
        let unsent = Arc::clone(&self.unsent);
        async move {
            loop {
                let emptied = unsent.emptied.notified();
                tokio::pin!(emptied);
                // Registered before the count is read, so a write in between is not missed.
                emptied.as_mut().enable();
                if unsent.frames.load(Ordering::Acquire) == 0 {
                    return;
                }
                emptied.await;
            }
        }
    }

    /// Sends everything queued so far, then a close frame with `code` and `reason`, and ends the
    /// connection.
    pub fn close(&self, code: CloseCode, reason: &str) {
        // A closed connection needs no close frame.
        let _ = self.commands.send(Command::Close(code, reason.to_owned()));
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.commands.is_closed()
    }
}

/// Bytes of received transmissions that may wait for the reader. While more wait, the socket is
/// not read, so a peer that sends faster than the program handles is slowed by TCP itself
/// instead of filling memory. The queue holds at most one message more, so that a message of
/// any allowed size gets through.
const INBOUND_BYTES: usize = 64 << 10;

/// What a received event counts toward [`INBOUND_BYTES`]: its data, and a little for its place
/// in the queue so that a flood of empty frames is bounded too.
fn inbound_cost(event: &Inbound) -> usize {
    match event {
        Inbound::Text(text) => text.len() + 64,
        Inbound::Binary(data) => data.len() + 64,
        Inbound::TooBig | Inbound::Closed => 64,
    }
}

/// The bytes waiting in a connection's inbound queue, and the I/O task's wake-up when the reader
/// has taken enough of them.
#[derive(Debug, Default)]
struct Queued {
    bytes: AtomicUsize,
    taken: Notify,
}

impl Queued {
    fn add(&self, event: &Inbound) {
        self.bytes.fetch_add(inbound_cost(event), Ordering::AcqRel);
    }

    fn take(&self, event: &Inbound) {
        let cost = inbound_cost(event);
        let before = self.bytes.fetch_sub(cost, Ordering::AcqRel);
        if before >= INBOUND_BYTES && before - cost < INBOUND_BYTES {
            self.taken.notify_one();
        }
    }

    fn full(&self) -> bool {
        self.bytes.load(Ordering::Acquire) >= INBOUND_BYTES
    }
}

/// Frames queued on an [`Outbound`] and not yet written, and the wake-up of whoever waits for
/// them all to be written.
#[derive(Debug, Default)]
struct Unsent {
    frames: AtomicUsize,
    emptied: Notify,
}

impl Unsent {
    fn written(&self, frames: usize) {
        if self.frames.fetch_sub(frames, Ordering::AcqRel) == frames {
            self.emptied.notify_waiters();
        }
    }
}

/// One websocket connection, seen as events in and frames out.
///
/// Dropping the connection and every [`Outbound`] clone closes the socket (close code 1000).
#[derive(Debug)]
pub struct Connection {
    peer: Option<SocketAddr>,
    incoming: Incoming,
    outbound: Outbound,
    /// The close frame the peer sent, set before [`Inbound::Closed`] is queued.
    peer_close: Arc<OnceLock<(CloseCode, String)>>,
}

impl Connection {
    pub(crate) fn spawn<S>(
        socket: WebSocketStream<S>,
        peer: Option<SocketAddr>,
        config: &Config,
        slot: Option<SlotGuard>,
    ) -> Self
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (inbound_tx, inbound) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let peer_close = Arc::default();
        let queued = Arc::<Queued>::default();
        let unsent = Arc::<Unsent>::default();
        let io = Io {
            inbound: inbound_tx,
            queued: Arc::clone(&queued),
            unsent: Arc::clone(&unsent),
            peer_close: Arc::clone(&peer_close),
        };
        tokio::spawn(run(socket, io, commands_rx, config.keepalive, slot));
        let incoming = Incoming { events: inbound, queued };
        Self { peer, incoming, outbound: Outbound { commands, unsent }, peer_close }
    }

    /// The peer's address, when known.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The next event; [`Inbound::Closed`] once the connection has ended, and after that too.
    pub async fn recv(&mut self) -> Inbound {
        self.incoming.recv().await
    }

    /// The next event if one has arrived, without waiting.
    pub fn try_recv(&mut self) -> Option<Inbound> {
        self.incoming.try_recv()
    }

    /// The code and reason of the close frame the peer sent, once [`Inbound::Closed`] has been
    /// received; `None` when the peer sent none (the connection dropped, or this side closed it).
    pub fn peer_close(&self) -> Option<(CloseCode, &str)> {
        self.peer_close.get().map(|(code, reason)| (*code, reason.as_str()))
    }

    /// A sender for this connection.
    pub fn outbound(&self) -> Outbound {
        self.outbound.clone()
    }

    /// Whether frames queued earlier are not all written yet ([`Outbound::is_sending`]).
    pub fn is_sending(&self) -> bool {
        self.outbound.is_sending()
    }

    /// Completes once every frame queued so far is written ([`Outbound::sent`]).
    pub fn sent(&self) -> impl Future<Output = ()> + Send + 'static {
        self.outbound.sent()
    }

    /// Queues a text frame; `false` when the connection is closed.
    pub fn send(&self, text: String) -> bool {
        self.outbound.send(text)
    }

    /// Splits into the event stream and the sender.
    pub fn split(self) -> (Incoming, Outbound) {
        (self.incoming, self.outbound)
    }
}

/// The receiving half of a connection.
#[derive(Debug)]
pub struct Incoming {
    events: mpsc::UnboundedReceiver<Inbound>,
    queued: Arc<Queued>,
}

impl Incoming {
    /// The next event; [`Inbound::Closed`] once the connection has ended, and after that too.
    pub async fn recv(&mut self) -> Inbound {
        match self.events.recv().await {
            Some(event) => self.taken(event),
            None => Inbound::Closed,
        }
    }

    /// The next event if one has arrived, without waiting; [`Inbound::Closed`] once the
    /// connection has ended.
    pub fn try_recv(&mut self) -> Option<Inbound> {
        match self.events.try_recv() {
            Ok(event) => Some(self.taken(event)),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => Some(Inbound::Closed),
        }
    }

    fn taken(&self, event: Inbound) -> Inbound {
        self.queued.take(&event);
        event
    }
}

pub(crate) fn ws_config(config: &Config) -> WebSocketConfig {
    // tungstenite zero-fills its read buffer before every read, the one that finds the socket
    // empty too: with 8 KiB that was a third of the instructions of a round trip. 2 KiB holds
    // a burst of a few dozen commands; larger messages are still read, in more steps
    // (docs/PERFORMANCE.md).
    WebSocketConfig::default()
        .read_buffer_size(2 << 10)
        .max_message_size(Some(config.max_message_bytes))
        .max_frame_size(Some(config.max_message_bytes))
}

/// What the I/O task hands to its [`Connection`].
struct Io {
    inbound: mpsc::UnboundedSender<Inbound>,
    queued: Arc<Queued>,
    unsent: Arc<Unsent>,
    peer_close: Arc<OnceLock<(CloseCode, String)>>,
}

/// The I/O task: owns the socket until the connection ends. Holding `_slot` keeps the server's
/// one-client slot taken for exactly as long as the socket lives.
async fn run<S>(
    mut socket: WebSocketStream<S>,
    Io { inbound, queued, unsent, peer_close }: Io,
    mut commands: mpsc::UnboundedReceiver<Command>,
    keepalive: Option<std::time::Duration>,
    _slot: Option<SlotGuard>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut ping = keepalive.map(|every| {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    });
    let mut pong_outstanding = false;
    loop {
        let tick = async {
            match ping.as_mut() {
                Some(interval) => {
                    interval.tick().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            // Written before anything more is read: a peer that does not read its replies
            // stops being read itself, so neither direction queues without bound.
            command = commands.recv() => match command {
                Some(command @ (Command::Text(_) | Command::Binary(_))) => {
                    // Everything already queued goes out in one flush.
                    let mut pending = Some(command);
                    let mut fed = Ok(());
                    let mut frames = 0;
                    let mut closing = None;
                    while let Some(command) = pending.take() {
                        match command {
                            Command::Text(text) => fed = socket.feed(Message::text(text)).await,
                            Command::Binary(data) => {
                                fed = socket.feed(Message::binary(data)).await;
                            }
                            Command::Close(code, reason) => closing = Some((code, reason)),
                        }
                        if fed.is_err() || closing.is_some() {
                            break;
                        }
                        frames += 1;
                        pending = commands.try_recv().ok();
                    }
                    if let Err(err) = fed.and(socket.flush().await) {
                        debug!(cause = %err, "send failed");
                        break;
                    }
                    unsent.written(frames);
                    if let Some((code, reason)) = closing {
                        close(&mut socket, code, &reason).await;
                        break;
                    }
                }
                Some(Command::Close(code, reason)) => {
                    close(&mut socket, code, &reason).await;
                    break;
                }
                None => {
                    close(&mut socket, CloseCode::Normal, "").await;
                    break;
                }
            },
            // The reader is behind: back-pressure on the peer until it takes enough.
            () = queued.taken.notified(), if queued.full() => {}
            frame = socket.next(), if !queued.full() => match frame {
                Some(Ok(Message::Text(text))) => {
                    trace!(len = text.len(), "text frame in");
                    deliver(&inbound, &queued, Inbound::Text(text.as_str().to_owned()));
                }
                Some(Ok(Message::Binary(data))) => {
                    deliver(&inbound, &queued, Inbound::Binary(data.to_vec()));
                }
                Some(Ok(Message::Pong(_))) => pong_outstanding = false,
                // Pings are answered by tungstenite itself on the next write or flush.
                Some(Ok(Message::Ping(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(frame))) => {
                    debug!(code = ?frame.as_ref().map(|f| f.code), "peer closed");
                    if let Some(frame) = frame {
                        let _ = peer_close.set((frame.code, frame.reason.as_str().to_owned()));
                    }
                    // Sends tungstenite's queued close reply.
                    let _ = socket.flush().await;
                    break;
                }
                Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                    warn!(size, max_size, "message too big; closing");
                    deliver(&inbound, &queued, Inbound::TooBig);
                    close(&mut socket, CloseCode::Size, "message too big").await;
                    break;
                }
                // RFC 6455 7.1.7: fail the connection, saying why where the socket still works.
                Some(Err(WsError::Utf8(_))) => {
                    debug!("text frame is not UTF-8; closing");
                    close(&mut socket, CloseCode::Invalid, "text frame is not UTF-8").await;
                    break;
                }
                Some(Err(WsError::Protocol(err))) => {
                    debug!(cause = %err, "websocket protocol error; closing");
                    close(&mut socket, CloseCode::Protocol, "websocket protocol error").await;
                    break;
                }
                Some(Err(err)) => {
                    debug!(cause = %err, "websocket error");
                    break;
                }
                None => break,
            },
            () = tick => {
                if pong_outstanding {
                    debug!("no pong to the last keep-alive ping; dropping the connection");
                    break;
                }
                pong_outstanding = true;
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    deliver(&inbound, &queued, Inbound::Closed);
}

/// Hands `event` to the reader. An error only means the reader is gone.
fn deliver(inbound: &mpsc::UnboundedSender<Inbound>, queued: &Queued, event: Inbound) {
    queued.add(&event);
    let _ = inbound.send(event);
}

async fn close<S: AsyncRead + AsyncWrite + Unpin>(
    socket: &mut WebSocketStream<S>,
    code: CloseCode,
    reason: &str,
) {
    let frame = CloseFrame { code, reason: reason.into() };
    // Best effort: the peer may already be gone.
    let _ = socket.close(Some(frame)).await;
}
