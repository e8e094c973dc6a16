//! The websocket server: accepts one client at a time, or as many as it is told.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};
use tracing::{debug, info, warn};

use crate::connection::{Connection, ws_config};
use crate::{Config, Error};

/// How long a client may take to complete the TLS handshake, if any, and the websocket upgrade.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The body of the refusal a second client gets while one is connected.
const BUSY_REASON: &str = "another client is connected; this server serves one client at a time";

/// The body of the refusal a client gets without the right token.
pub(crate) const UNAUTHORIZED_REASON: &str = "this server requires a token: add ?token=<token> to the URL or send Authorization: Bearer <token>";

/// A listening websocket server. Accepted clients come out of [`Listener::accept`].
#[derive(Debug)]
pub struct Listener {
    local_addr: SocketAddr,
    accepted: mpsc::Receiver<Connection>,
    task: JoinHandle<()>,
}

impl Listener {
    /// The address the server listens on (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The next client that completed the handshake.
    pub async fn accept(&mut self) -> Option<Connection> {
        self.accepted.recv().await
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts listening on `addr`. While [`Config::max_clients`] clients are connected (one by
/// default), further upgrade requests are refused with `503 Service Unavailable` and a one-line
/// reason; the connected clients are not disturbed.
/// With [`Config::tls`] clients connect over TLS (wss), and with [`Config::token`] a request
/// without the token is refused with `401 Unauthorized` before anything else happens.
pub async fn listen(addr: SocketAddr, config: Config) -> Result<Listener, Error> {
    let listener = bind(addr).map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => Error::AddrInUse { addr },
        _ => Error::Bind { addr, source },
    })?;
    let local_addr = listener.local_addr().unwrap_or(addr);
    info!(%local_addr, tls = config.tls.is_some(), token = config.token.is_some(), "websocket server listening");
    let (accepted_tx, accepted) = mpsc::channel(1);
    let slot = Arc::new(Slots { taken: AtomicUsize::new(0), max: config.max_clients.max(1) });
    let task = tokio::spawn(accept_loop(listener, config, slot, accepted_tx));
    Ok(Listener { local_addr, accepted, task })
}

/// The kernel's receive buffer of each client connection. Left to itself, Linux grows it with
/// the traffic up to `net.ipv4.tcp_rmem`'s maximum, 32 MiB on some systems, and a client that
/// floods commands would park that much of them, and a stop-all behind them, where the server
/// cannot look (docs/PROTOCOL.md 14.10). Client messages are small: this is far more than a
/// client sending at full speed needs.
const CLIENT_RECEIVE_BUFFER: u32 = 256 << 10;

/// A listening socket whose accepted connections inherit [`CLIENT_RECEIVE_BUFFER`].
fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    // As `TcpListener::bind` does on Unix: a restarted server can take its port again at once.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.set_recv_buffer_size(CLIENT_RECEIVE_BUFFER)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn accept_loop(
    listener: TcpListener,
    config: Config,
    slot: Arc<Slots>,
    accepted: mpsc::Sender<Connection>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(err) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                warn!(cause = %err, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Handshakes run on their own so a slow client never holds up the accept loop.
        tokio::spawn(handshake(stream, peer, config.clone(), Arc::clone(&slot), accepted.clone()));
    }
}

async fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    config: Config,
    slot: Arc<Slots>,
    accepted: mpsc::Sender<Connection>,
) {
    if let Err(err) = stream.set_nodelay(true) {
        debug!(cause = %err, "cannot set TCP_NODELAY");
    }
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let Some(tls) = &config.tls else {
        return upgrade(stream, peer, deadline, &config, &slot, &accepted).await;
    };
    // Boxed: a TLS connection's state is some 40 KB, and inline it made every handshake's
    // future, and the stack frame that spawns one, that size, TLS or not.
    let accepting = Box::pin(tls.acceptor().accept(stream));
    match tokio::time::timeout_at(deadline, accepting).await {
        Ok(Ok(stream)) => {
            Box::pin(upgrade(stream, peer, deadline, &config, &slot, &accepted)).await;
        }
        Ok(Err(err)) => debug!(%peer, cause = %err, "TLS handshake failed"),
        Err(_) => debug!(%peer, "TLS handshake timed out"),
    }
}

/// The websocket upgrade, over TCP or TLS; hands the connection over if the client gets the slot.
async fn upgrade<S>(
    stream: S,
    peer: SocketAddr,
    deadline: Instant,
    config: &Config,
    slot: &Arc<Slots>,
    accepted: &mpsc::Sender<Connection>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut guard = None;
    #[allow(clippy::result_large_err)] // the callback signature is tungstenite's
    let claim = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        // Checked first: a client without the token learns nothing, not even whether the
        // slot is free, and takes nothing.
        if config.token.as_ref().is_some_and(|token| !token.admits(request)) {
            warn!("upgrade refused: missing or wrong token");
            let mut refusal = refusal(StatusCode::UNAUTHORIZED, UNAUTHORIZED_REASON);
            refusal
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Err(refusal);
        }
        match SlotGuard::claim(slot) {
            Some(claimed) => {
                guard = Some(claimed);
                Ok(response)
            }
            None => Err(refusal(StatusCode::SERVICE_UNAVAILABLE, &slot.busy_reason())),
        }
    };
    let upgrade =
        tokio_tungstenite::accept_hdr_async_with_config(stream, claim, Some(ws_config(config)));
    let socket = match tokio::time::timeout_at(deadline, upgrade).await {
        Ok(Ok(socket)) => socket,
        Ok(Err(err)) => {
            debug!(%peer, cause = %err, "websocket handshake refused or failed");
            return;
        }
        Err(_) => {
            debug!(%peer, "websocket handshake timed out");
            return;
        }
    };
    let Some(guard) = guard else { return };
    info!("client connected");
    debug!(%peer, "client address");
    let connection = Connection::spawn(socket, Some(peer), config, Some(guard));
    // A listener that is gone drops the connection, which closes it.
    let _ = accepted.send(connection).await;
}

fn refusal(status: StatusCode, reason: &str) -> ErrorResponse {
    let mut refusal = ErrorResponse::new(Some(reason.to_owned()));
    *refusal.status_mut() = status;
    refusal
}

/// The server's client slots: how many are taken, of how many.
#[derive(Debug)]
pub(crate) struct Slots {
    taken: AtomicUsize,
    max: usize,
}

/// Holds one of the server's client slots; frees it when dropped.
#[derive(Debug)]
pub(crate) struct SlotGuard(Arc<Slots>);

impl Slots {
    fn busy_reason(&self) -> String {
        match self.max {
            1 => BUSY_REASON.to_owned(),
            max => format!("{max} clients are connected, as many as this server serves at once"),
        }
    }
}

impl SlotGuard {
    fn claim(slots: &Arc<Slots>) -> Option<Self> {
        slots
            .taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < slots.max).then_some(taken + 1)
            })
            .ok()
            .map(|_| Self(Arc::clone(slots)))
    }
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.taken.fetch_sub(1, Ordering::AcqRel);
    }
}
