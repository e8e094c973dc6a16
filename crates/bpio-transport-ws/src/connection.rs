//! One websocket connection and the task that owns its socket.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
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
}

impl Outbound {
    /// Queues a text frame. Returns `false` when the connection is already closed.
    pub fn send(&self, text: String) -> bool {
        self.commands.send(Command::Text(text)).is_ok()
    }

    /// Queues a binary frame (not part of the protocol: for programs that relay frames as they
    /// are, such as a repeater). Returns `false` when the connection is already closed.
    pub fn send_binary(&self, data: Vec<u8>) -> bool {
        self.commands.send(Command::Binary(data)).is_ok()
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

/// How many received transmissions may wait for the reader. When they are not taken, the socket
/// is not read either, so a peer that sends faster than the program handles is slowed by TCP
/// itself instead of filling memory.
const INBOUND_QUEUE: usize = 16;

/// One websocket connection, seen as events in and frames out.
///
/// Dropping the connection and every [`Outbound`] clone closes the socket (close code 1000).
#[derive(Debug)]
pub struct Connection {
    peer: Option<SocketAddr>,
    inbound: mpsc::Receiver<Inbound>,
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
        let (inbound_tx, inbound) = mpsc::channel(INBOUND_QUEUE);
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let peer_close = Arc::default();
        let io = Io { inbound: inbound_tx, peer_close: Arc::clone(&peer_close) };
        tokio::spawn(run(socket, io, commands_rx, config.keepalive, slot));
        Self { peer, inbound, outbound: Outbound { commands }, peer_close }
    }

    /// The peer's address, when known.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The next event; [`Inbound::Closed`] once the connection has ended, and after that too.
    pub async fn recv(&mut self) -> Inbound {
        self.inbound.recv().await.unwrap_or(Inbound::Closed)
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

    /// Queues a text frame; `false` when the connection is closed.
    pub fn send(&self, text: String) -> bool {
        self.outbound.send(text)
    }

    /// Splits into the event stream and the sender.
    pub fn split(self) -> (mpsc::Receiver<Inbound>, Outbound) {
        (self.inbound, self.outbound)
    }
}

pub(crate) fn ws_config(config: &Config) -> WebSocketConfig {
    // tungstenite zero-fills its read buffer before every read, the one that finds the socket
    // empty too: with 8 KiB that was a third of the instructions of a round trip. 2 KiB holds
    // a burst of a few dozen commands; larger messages are still read, in more steps
    // (docs/PERFORMANCE.md).
    WebSocketConfig::default()
        .read_buffer_size(2 << 10)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(Some(config.max_message_bytes))
        .max_frame_size(Some(config.max_message_bytes))
}

/// What the I/O task hands to its [`Connection`].
struct Io {
    inbound: mpsc::Sender<Inbound>,
    peer_close: Arc<OnceLock<(CloseCode, String)>>,
}

/// Bytes of queued outgoing frames (beyond tungstenite's [`WRITE_BUFFER`]) above which the peer
/// is no longer read. Below it the peer is
/// read while its replies wait to be written, so a command (a StopCmd above all) is acted on even
/// when the peer is slow to read what it was sent; above it, a peer that does not read its
/// replies stops being read itself, and neither direction queues without bound.
const MAX_QUEUED_OUT: usize = 256 << 10;

/// Bytes tungstenite gathers before it writes to the socket (its default is 128 KiB): frames
/// handed to it no longer count as queued, so this is part of what a slow peer can hold up.
const WRITE_BUFFER: usize = 16 << 10;

/// What woke the I/O task.
enum Event {
    /// A frame, an error or the end of the stream from the peer.
    Frame(Option<Result<Message, WsError>>),
    /// Everything queued before a close was written: close with this code and reason.
    Close(CloseCode, String),
    /// Writing to the peer failed.
    WriteFailed(WsError),
    /// Time for a keep-alive ping.
    Tick,
}

/// The socket and the frames waiting for it.
struct Pump<S> {
    socket: WebSocketStream<S>,
    commands: mpsc::UnboundedReceiver<Command>,
    queue: VecDeque<Message>,
    queued_bytes: usize,
    /// Frames handed to tungstenite since the last completed flush.
    unflushed: bool,
    /// Set by a close command (or by the last [`Outbound`] going away); acted on once the queue
    /// ahead of it is written.
    closing: Option<(CloseCode, String)>,
    ping: Option<tokio::time::Interval>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Pump<S> {
    /// Writes, then reads: one poll drives both directions, so neither waits for the other.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        self.take_commands(cx);
        match self.poll_write(cx) {
            Poll::Ready(Err(err)) => return Poll::Ready(Event::WriteFailed(err)),
            Poll::Ready(Ok(())) => {
                if let Some((code, reason)) = self.closing.take() {
                    return Poll::Ready(Event::Close(code, reason));
                }
            }
            Poll::Pending => {}
        }
        if self.closing.is_none()
            && self.queued_bytes < MAX_QUEUED_OUT
            && let Poll::Ready(frame) = self.socket.poll_next_unpin(cx)
        {
            return Poll::Ready(Event::Frame(frame));
        }
        if let Some(ping) = self.ping.as_mut()
            && ping.poll_tick(cx).is_ready()
        {
            return Poll::Ready(Event::Tick);
        }
        Poll::Pending
    }

    /// Moves every command already sent into the queue, up to a close.
    fn take_commands(&mut self, cx: &mut Context<'_>) {
        while self.closing.is_none() {
            let message = match self.commands.poll_recv(cx) {
                Poll::Ready(Some(Command::Text(text))) => Message::text(text),
                Poll::Ready(Some(Command::Binary(data))) => Message::binary(data),
                Poll::Ready(Some(Command::Close(code, reason))) => {
                    self.closing = Some((code, reason));
                    return;
                }
                Poll::Ready(None) => {
                    self.closing = Some((CloseCode::Normal, String::new()));
                    return;
                }
                Poll::Pending => return,
            };
            self.push(message);
        }
    }

    fn push(&mut self, message: Message) {
        self.queued_bytes += message.len();
        self.queue.push_back(message);
    }

    /// Hands queued frames to tungstenite as it takes them and flushes; everything queued goes
    /// out in as few writes as the socket allows.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        while let Some(message) = self.queue.pop_front() {
            if let Poll::Ready(ready) = self.socket.poll_ready_unpin(cx) {
                ready?;
            } else {
                self.queue.push_front(message);
                return Poll::Pending;
            }
            self.queued_bytes -= message.len();
            self.socket.start_send_unpin(message)?;
            self.unflushed = true;
        }
        if self.unflushed {
            ready!(self.socket.poll_flush_unpin(cx))?;
            self.unflushed = false;
        }
        Poll::Ready(Ok(()))
    }
}

/// The I/O task: owns the socket until the connection ends. Holding `_slot` keeps the server's
/// one-client slot taken for exactly as long as the socket lives.
async fn run<S>(
    socket: WebSocketStream<S>,
    Io { inbound, peer_close }: Io,
    commands: mpsc::UnboundedReceiver<Command>,
    keepalive: Option<std::time::Duration>,
    _slot: Option<SlotGuard>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let ping = keepalive.map(|every| {
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    });
    let mut pump = Pump {
        socket,
        commands,
        queue: VecDeque::new(),
        queued_bytes: 0,
        unflushed: false,
        closing: None,
        ping,
    };
    let mut pong_outstanding = false;
    loop {
        let frame = match std::future::poll_fn(|cx| pump.poll_event(cx)).await {
            Event::Frame(frame) => frame,
            Event::Close(code, reason) => {
                close(&mut pump.socket, code, &reason).await;
                break;
            }
            Event::WriteFailed(err) => {
                debug!(cause = %err, "send failed");
                break;
            }
            Event::Tick => {
                if pong_outstanding {
                    debug!("no pong to the last keep-alive ping; dropping the connection");
                    break;
                }
                pong_outstanding = true;
                pump.push(Message::Ping(Default::default()));
                continue;
            }
        };
        let socket = &mut pump.socket;
        match frame {
            Some(Ok(Message::Text(text))) => {
                trace!(len = text.len(), "text frame in");
                // Waits while the reader is behind: back-pressure on the peer.
                let _ = inbound.send(Inbound::Text(text.as_str().to_owned())).await;
            }
            Some(Ok(Message::Binary(data))) => {
                let _ = inbound.send(Inbound::Binary(data.to_vec())).await;
            }
            Some(Ok(Message::Pong(_))) => pong_outstanding = false,
            // Pings are answered by tungstenite itself on the next read, write or flush.
            Some(Ok(Message::Ping(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Close(frame))) => {
                debug!(code = ?frame.as_ref().map(|f| f.code), "peer closed");
                if let Some(frame) = frame {
                    let _ = peer_close.set((frame.code, frame.reason.as_str().to_owned()));
                }
                // Sends tungstenite's queued close reply; replies still queued have no reader.
                let _ = socket.flush().await;
                break;
            }
            Some(Err(WsError::Capacity(CapacityError::MessageTooLong { size, max_size }))) => {
                warn!(size, max_size, "message too big; closing");
                let _ = inbound.send(Inbound::TooBig).await;
                close(socket, CloseCode::Size, "message too big").await;
                break;
            }
            // RFC 6455 7.1.7: fail the connection, saying why where the socket still works.
            Some(Err(WsError::Utf8(_))) => {
                debug!("text frame is not UTF-8; closing");
                close(socket, CloseCode::Invalid, "text frame is not UTF-8").await;
                break;
            }
            Some(Err(WsError::Protocol(err))) => {
                debug!(cause = %err, "websocket protocol error; closing");
                close(socket, CloseCode::Protocol, "websocket protocol error").await;
                break;
            }
            Some(Err(err)) => {
                debug!(cause = %err, "websocket error");
                break;
            }
            None => break,
        }
    }
    let _ = inbound.send(Inbound::Closed).await;
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::DuplexStream;
    use tokio_tungstenite::tungstenite::protocol::Role;

    use super::*;

    /// A connection over an in-memory pipe that holds only 4 KiB each way, and the peer's end:
    /// what the peer does not read stays queued on the connection's side.
    async fn pipe() -> (Connection, WebSocketStream<DuplexStream>) {
        let (ours, theirs) = tokio::io::duplex(4 << 10);
        let config = Config { keepalive: None, ..Config::default() };
        let ours =
            WebSocketStream::from_raw_socket(ours, Role::Server, Some(ws_config(&config))).await;
        let theirs = WebSocketStream::from_raw_socket(theirs, Role::Client, None).await;
        (Connection::spawn(ours, None, &config, None), theirs)
    }

    async fn next_text(connection: &mut Connection) -> Inbound {
        tokio::time::timeout(Duration::from_secs(10), connection.recv()).await.expect("read")
    }

    #[tokio::test]
    async fn a_peer_slow_to_read_its_replies_is_still_read() {
        let (mut connection, mut peer) = pipe().await;
        // 64 KiB of replies: far more than the pipe holds, well under the bound.
        for n in 0..64 {
            assert!(connection.send(format!("{n:04}{}", "x".repeat(1020))));
        }
        peer.send(Message::text("StopCmd")).await.unwrap();
        assert_eq!(next_text(&mut connection).await, Inbound::Text("StopCmd".into()));
        for n in 0..64 {
            let reply = peer.next().await.unwrap().unwrap().into_text().unwrap();
            assert!(reply.starts_with(&format!("{n:04}")), "reply {n} out of order");
        }
    }

    #[tokio::test]
    async fn a_peer_that_reads_nothing_is_not_read_once_its_replies_reach_the_bound() {
        let (mut connection, mut peer) = pipe().await;
        let replies = (MAX_QUEUED_OUT + WRITE_BUFFER) / 1024 + 16;
        for _ in 0..replies {
            assert!(connection.send("x".repeat(1024)));
        }
        peer.send(Message::text("late")).await.unwrap();
        // Nothing can make it arrive while the replies wait, so a short wait cannot flake.
        let early = tokio::time::timeout(Duration::from_millis(200), connection.recv()).await;
        assert!(early.is_err(), "read past the bound: {early:?}");
        for _ in 0..replies {
            peer.next().await.unwrap().unwrap();
        }
        assert_eq!(next_text(&mut connection).await, Inbound::Text("late".into()));
    }

    #[tokio::test]
    async fn a_close_is_sent_after_everything_queued_before_it() {
        let (connection, mut peer) = pipe().await;
        for n in 0..32 {
            connection.send(format!("{n}{}", "y".repeat(1000)));
        }
        connection.outbound().close(CloseCode::Away, "bye");
        for n in 0..32 {
            let reply = peer.next().await.unwrap().unwrap().into_text().unwrap();
            assert!(reply.starts_with(&n.to_string()));
        }
        match peer.next().await.unwrap().unwrap() {
            Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Away),
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}
