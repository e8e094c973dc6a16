//! Websocket transport for Buttplug: a server that takes one client at a time (or as many as
//! [`Config::max_clients`] says), and a client connector.
//!
//! Key design decision: the transport moves whole text frames (and, for relays, binary frames)
//! and knows nothing of messages.
//! Each websocket gets one I/O task that owns the socket; the rest of the program sees a
//! [`Connection`]: a stream of [`Inbound`] events and a cloneable [`Outbound`] sender. The socket
//! closes when the last sender is dropped or [`Outbound::close`] is called, so whoever owns the
//! session decides when it ends, and a dropped peer shows up as [`Inbound::Closed`].
//!
//! Exposure is opt-in: a server speaks wss when given a [`TlsIdentity`] and admits only clients
//! presenting its [`Token`] when given one; a client trusts, for `wss://`, only the [`TlsRoots`]
//! it is given.
#![warn(missing_docs)]

mod connection;
mod server;
mod tls;
mod token;

pub use connection::{CloseCode, Connection, Inbound, Incoming, Outbound};
pub use server::{Listener, listen};
pub use tls::{TlsIdentity, TlsRoots};
pub use token::Token;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::UrlError;

/// Transport settings shared by servers and clients.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest text or binary message accepted; a larger one closes the connection with code 1009
    /// (message too big).
    pub max_message_bytes: usize,
    /// Interval of websocket-level pings; a peer that has not answered the previous ping when the
    /// next is due is dropped. `None` sends no pings.
    pub keepalive: Option<Duration>,
    /// Server: serve wss with this certificate and key (the TLS handshake happens before the
    /// websocket upgrade, within the same handshake timeout). `None` serves plain ws.
    pub tls: Option<TlsIdentity>,
    /// Server: admit only upgrade requests that present this token; others get `401
    /// Unauthorized` and a one-line reason, and do not take the one-client slot.
    pub token: Option<Token>,
    /// Client: the roots trusted for `wss://` URLs. Without them [`connect`] refuses `wss://`.
    pub tls_roots: Option<TlsRoots>,
    /// Server: how many clients are served at once; while that many are connected, further
    /// upgrade requests are refused with `503 Service Unavailable`. 0 counts as 1.
    pub max_clients: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            // Spec messages are small: 1 MiB fits thousands of messages per frame.
            max_message_bytes: 1 << 20,
            keepalive: Some(Duration::from_secs(10)),
            tls: None,
            token: None,
            tls_roots: None,
            // One client at a time, as the reference serves.
            max_clients: 1,
        }
    }
}

/// Why the transport failed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listen address is taken by another program.
    #[error("address {addr} is already in use")]
    AddrInUse {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The listen address could not be bound for another reason.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Connecting to a server failed.
    #[error("cannot connect to {url}")]
    Connect {
        /// The server asked for, without the URL's query, which may hold a token.
        url: String,
        /// Why.
        #[source]
        source: Box<tokio_tungstenite::tungstenite::Error>,
    },
    /// A `wss://` URL was given without [`Config::tls_roots`] to check the server against.
    #[error("cannot connect to {url}: wss:// needs the roots to trust (Config::tls_roots)")]
    NoTlsRoots {
        /// The server asked for, without the URL's query.
        url: String,
    },
    /// A TLS file could not be read.
    #[error("cannot read the TLS {what} file {}", path.display())]
    TlsRead {
        /// What the file should hold: "certificate chain", "private key" or "trusted roots".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A TLS file is not valid PEM.
    #[error("the TLS {what} file {} is not valid PEM", path.display())]
    TlsPem {
        /// What the file should hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: tokio_rustls::rustls::pki_types::pem::Error,
    },
    /// A TLS file holds no PEM section of the kind it should.
    #[error("the TLS {what} file {} holds no PEM {what}", path.display())]
    TlsMissing {
        /// What the file should hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// TLS cannot use what a file holds.
    #[error("the TLS {what} in {} is not usable", path.display())]
    TlsRefused {
        /// What the file holds.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: tokio_rustls::rustls::Error,
    },
    /// The private key is not the one of the certificate.
    #[error(
        "the private key in {} does not belong to the certificate in {}",
        private_key.display(),
        cert_chain.display()
    )]
    TlsKeyMismatch {
        /// The certificate chain file.
        cert_chain: PathBuf,
        /// The private key file.
        private_key: PathBuf,
    },
    /// A token must not be empty.
    #[error("the token is empty")]
    EmptyToken,
}

/// Connects to the websocket server at `url` (for example `ws://127.0.0.1:12345`, or
/// `wss://…` with [`Config::tls_roots`]). A server that requires a token is given it in the
/// URL: `ws://127.0.0.1:12345/?token=<secret>`.
pub async fn connect(url: &str, config: &Config) -> Result<Connection, Error> {
    let failed = |source: tokio_tungstenite::tungstenite::Error| Error::Connect {
        url: without_query(url),
        source: Box::new(source),
    };
    let request = url.into_client_request().map_err(failed)?;
    let ws_config = Some(connection::ws_config(config));
    if request.uri().scheme_str() != Some("wss") {
        // `true` disables Nagle: every message is small and latency-bound.
        let (socket, _response) =
            tokio_tungstenite::connect_async_with_config(request, ws_config, true)
                .await
                .map_err(failed)?;
        let peer = match socket.get_ref() {
            tokio_tungstenite::MaybeTlsStream::Plain(stream) => stream.peer_addr().ok(),
            _ => None,
        };
        return Ok(Connection::spawn(socket, peer, config, None));
    }
    let Some(roots) = &config.tls_roots else {
        return Err(Error::NoTlsRoots { url: without_query(url) });
    };
    let uri = request.uri();
    let host = uri.host().ok_or(UrlError::NoHostName).map_err(|e| failed(e.into()))?;
    // An IPv6 literal keeps its brackets in a URI, neither in a socket address nor a TLS name.
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = uri.port_u16().unwrap_or(443);
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| failed(e.into()))?;
    let _ = tcp.set_nodelay(true);
    let peer = tcp.peer_addr().ok();
    let stream = roots.connect(&host, tcp).await.map_err(|e| failed(e.into()))?;
    let (socket, _response) =
        tokio_tungstenite::client_async_with_config(request, stream, ws_config)
            .await
            .map_err(failed)?;
    Ok(Connection::spawn(socket, peer, config, None))
}

/// `url` without its query and fragment, for messages: the query may carry a secret.
fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_owned()
}
