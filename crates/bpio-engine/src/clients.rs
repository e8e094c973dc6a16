//! Where the engine's clients come from: the websocket server it listens with, or a client app it
//! connects out to; and the websocket connection as the server's client connection.

use std::time::Duration;

use anyhow::Result;
use bpio::server::runtime::{ClientConnection, CloseReason, LinkEvent};
use bpio::transport_ws::{self, CloseCode, Connection, Inbound, Listener};
use tracing::{debug, info, warn};

use crate::exposure::Exposure;
use crate::frontend::PortInUse;
use crate::options::Options;

/// How long the engine waits before it tries a client address again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Where the engine's clients come from.
pub enum Clients {
    /// A websocket server; while `--max-clients` clients are served, the transport refuses
    /// others.
    Listen(Listener),
    /// A client that listens itself, at `url` (`--websocket-client-address`): the engine
    /// connects to it, and again whenever the connection ends or cannot be made.
    Connect {
        /// The client's websocket URL.
        url: String,
        /// Transport settings of the connection.
        transport: transport_ws::Config,
    },
}

impl From<Listener> for Clients {
    fn from(listener: Listener) -> Self {
        Self::Listen(listener)
    }
}

impl Clients {
    /// The clients the flags ask for. A listener is bound here, so a taken port or a wrong TLS
    /// or token flag stops the engine with one clear line.
    pub(crate) async fn open(options: &Options) -> Result<Self> {
        let address = options.listen_address();
        let exposure = Exposure::from_options(options)?;
        let transport = transport_ws::Config {
            max_message_bytes: options.max_message_size,
            tls: exposure.tls.clone(),
            token: exposure.token.clone(),
            tls_roots: exposure.roots.clone(),
            max_clients: usize::from(options.max_clients),
            ..transport_ws::Config::default()
        };
        if options.websocket_client_address.is_some() && options.client_address().is_none() {
            warn!(
                "--websocket-client-address is ignored: {} makes the engine listen",
                options.listen_flag()
            );
        }
        if let Some(url) = options.client_address() {
            info!(url = %url, "connecting out to the client at {url}, and again whenever it goes away");
            return Ok(Self::Connect { url, transport });
        }
        let listener = transport_ws::listen(address, transport).await.map_err(|err| match err {
            transport_ws::Error::AddrInUse { .. } => {
                anyhow::Error::new(PortInUse { address, flag: options.listen_flag() })
            }
            other => anyhow::Error::new(other).context(format!("cannot listen on {address}")),
        })?;
        let local = listener.local_addr();
        let device_port =
            options.use_device_websocket_server.then(|| options.device_listen_address().port());
        for warning in exposure.warnings(local, device_port) {
            warn!("{warning}");
        }
        info!(address = %local, "listening for clients on {}://{local}", exposure.scheme());
        Ok(Self::Listen(listener))
    }

    /// Where the websocket server listens; `None` when the engine connects out instead.
    pub(crate) fn local_addr(&self) -> Option<std::net::SocketAddr> {
        match self {
            Self::Listen(listener) => Some(listener.local_addr()),
            Self::Connect { .. } => None,
        }
    }

    /// The next client connection, once `previous` (the session of the last one) has ended if
    /// the engine connects out; `None` when a listener has stopped.
    pub(crate) async fn next(
        &mut self,
        previous: Option<tokio::task::JoinHandle<()>>,
    ) -> Option<Connection> {
        match self {
            Self::Listen(listener) => listener.accept().await,
            Self::Connect { url, transport } => {
                if let Some(previous) = previous {
                    let _ = previous.await;
                }
                let mut failures = 0u32;
                loop {
                    match transport_ws::connect(url, transport).await {
                        Ok(connection) => {
                            info!("connected to the client at {url}");
                            return Some(connection);
                        }
                        // Said once; the engine keeps trying quietly until the client is there.
                        Err(err) if failures == 0 => {
                            warn!("cannot reach the client ({err}); trying again every second");
                        }
                        Err(err) => debug!("still cannot reach the client: {err}"),
                    }
                    failures = failures.saturating_add(1);
                    tokio::time::sleep(RECONNECT_AFTER).await;
                }
            }
        }
    }
}

fn link_event(inbound: Inbound) -> LinkEvent {
    match inbound {
        Inbound::Text(text) => LinkEvent::Text(text),
        Inbound::Binary(_) => LinkEvent::Binary,
        Inbound::TooBig => LinkEvent::TooBig,
        Inbound::Closed => LinkEvent::Closed,
    }
}

/// The websocket transport as the server's client connection.
pub(crate) struct WsClient(pub(crate) Connection);

impl ClientConnection for WsClient {
    async fn recv(&mut self) -> LinkEvent {
        link_event(self.0.recv().await)
    }

    fn try_recv(&mut self) -> Option<LinkEvent> {
        self.0.try_recv().map(link_event)
    }

    fn send(&mut self, text: String) -> bool {
        self.0.send(text)
    }

    fn sending(&self) -> bool {
        self.0.is_sending()
    }

    fn sent(&self) -> impl Future<Output = ()> + Send + 'static {
        self.0.sent()
    }

    fn close(&mut self, reason: CloseReason) {
        let (code, why) = match reason {
            CloseReason::SessionEnded => (CloseCode::Normal, "session ended"),
            CloseReason::ServerStopping => (CloseCode::Away, "server stopping"),
        };
        self.0.outbound().close(code, why);
    }
}
