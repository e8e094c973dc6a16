//! The in-process connector: a Buttplug client and a bpio server in one process, no socket.
//!
//! ```no_run
//! # async fn demo(hub: bpio_server::runtime::DeviceHub) -> Result<(), bpio_client::Error> {
//! use std::time::Duration;
//!
//! use bpio_client::Client;
//! use bpio_in_process::InProcessConnector;
//! use bpio_server::SessionConfig;
//!
//! let session = SessionConfig::new("in process");
//! let client = Client::connect("My App", InProcessConnector::new(hub, session)).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Key design decision: the connector joins the two through the same seams a socket would use,
//! and nothing else. On the server's side it is a [`ClientConnection`] that
//! [`serve_client`] drives like any transport; on the client's side it is a [`ServerLink`]. JSON text
//! travels between them over channels, so the client and the server behave exactly as they do
//! over a websocket, minus the socket. `bpio-client` therefore does not depend on the server,
//! and the server names no client.
#![warn(missing_docs)]

use bpio_client::{Connector, ConnectorError, ServerLink};
use bpio_server::SessionConfig;
use bpio_server::runtime::{ClientConnection, CloseReason, DeviceHub, LinkEvent, serve_client};
use tokio::sync::{mpsc, watch};

/// Connects a client to a session of a server in the same process: the server's devices are
/// those of `hub`, its session settings `config`.
///
/// Like a websocket server, the hub serves one session at a time; a second connection takes the
/// device events from the first. The session ends, stopping every device, when the client
/// disconnects or is dropped.
#[derive(Debug, Clone)]
pub struct InProcessConnector {
    hub: DeviceHub,
    config: SessionConfig,
}

impl InProcessConnector {
    /// A connector to a session over `hub` with `config`.
    pub fn new(hub: DeviceHub, config: SessionConfig) -> Self {
        Self { hub, config }
    }
}

impl Connector for InProcessConnector {
    type Link = InProcessLink;

    async fn connect(self) -> Result<InProcessLink, ConnectorError> {
        let (to_server, from_client) = mpsc::unbounded_channel();
        let (to_client, from_server) = mpsc::unbounded_channel();
        let Self { hub, config } = self;
        tokio::spawn(async move {
            // Nothing stops the server from outside: the session ends with the client. The
            // sender lives as long as the session, since a dropped sender would read as a stop.
            let (_stop_sender, stop) = watch::channel(false);
            let connection = ServerEnd { from_client, to_client: Some(to_client) };
            serve_client(connection, config, &hub, stop).await;
        });
        Ok(InProcessLink { to_server: Some(to_server), from_server })
    }
}

/// The client's end of an in-process connection.
#[derive(Debug)]
pub struct InProcessLink {
    to_server: Option<mpsc::UnboundedSender<String>>,
    from_server: mpsc::UnboundedReceiver<String>,
}

impl ServerLink for InProcessLink {
    fn send(&mut self, text: String) -> Result<(), ConnectorError> {
        let sender = self.to_server.as_ref().ok_or(ConnectorError::Closed)?;
        sender.send(text).map_err(|_| ConnectorError::Closed)
    }

    async fn recv(&mut self) -> Option<Vec<u8>> {
        self.from_server.recv().await.map(String::into_bytes)
    }

    fn close(&mut self) {
        // The server sees the end of its input, as when a socket closes.
        self.to_server = None;
    }
}

/// The server's end of an in-process connection.
struct ServerEnd {
    from_client: mpsc::UnboundedReceiver<String>,
    to_client: Option<mpsc::UnboundedSender<String>>,
}

impl ClientConnection for ServerEnd {
    async fn recv(&mut self) -> LinkEvent {
        match self.from_client.recv().await {
            Some(text) => LinkEvent::Text(text),
            None => LinkEvent::Closed,
        }
    }

    fn try_recv(&mut self) -> Option<LinkEvent> {
        match self.from_client.try_recv() {
            Ok(text) => Some(LinkEvent::Text(text)),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => Some(LinkEvent::Closed),
        }
    }

    fn send(&mut self, text: String) -> bool {
        self.to_client.as_ref().is_some_and(|client| client.send(text).is_ok())
    }

    fn close(&mut self, _reason: CloseReason) {
        // Everything sent so far stays readable; the client then sees the end.
        self.to_client = None;
    }
}
