//! Websocket transport for Buttplug: a server that takes one client at a time, and a client
//! connector.
//!
//! Key design decision: the transport moves whole text frames and knows nothing of messages.
//! Each websocket gets one I/O task that owns the socket; the rest of the program sees a
//! [`Connection`]: a stream of [`Inbound`] events and a cloneable [`Outbound`] sender. The socket
//! closes when the last sender is dropped or [`Outbound::close`] is called, so whoever owns the
//! session decides when it ends, and a dropped peer shows up as [`Inbound::Closed`].
#![warn(missing_docs)]

mod connection;
mod server;

pub use connection::{CloseCode, Connection, Inbound, Outbound};
pub use server::{Listener, listen};

use std::net::SocketAddr;
use std::time::Duration;

/// Transport settings shared by servers and clients.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest text or binary message accepted; a larger one closes the connection with code 1009
    /// (message too big).
    pub max_message_bytes: usize,
    /// Interval of websocket-level pings; a peer that has not answered the previous ping when the
    /// next is due is dropped. `None` sends no pings.
    pub keepalive: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        // Spec messages are small: 1 MiB fits thousands of messages per frame.
        Self { max_message_bytes: 1 << 20, keepalive: Some(Duration::from_secs(10)) }
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
        /// The server asked for.
        url: String,
        /// Why.
        #[source]
        source: Box<tokio_tungstenite::tungstenite::Error>,
    },
}

/// Connects to the websocket server at `url` (for example `ws://127.0.0.1:12345`).
pub async fn connect(url: &str, config: &Config) -> Result<Connection, Error> {
    let ws_config = connection::ws_config(config);
    // `true` disables Nagle: every message is small and latency-bound.
    let (socket, _response) =
        tokio_tungstenite::connect_async_with_config(url, Some(ws_config), true)
            .await
            .map_err(|source| Error::Connect { url: url.to_owned(), source: Box::new(source) })?;
    let peer = match socket.get_ref() {
        tokio_tungstenite::MaybeTlsStream::Plain(stream) => stream.peer_addr().ok(),
        _ => None,
    };
    Ok(Connection::spawn(socket, peer, config, None))
}
