//! The websocket connector (feature `websocket`).

use bpio_transport_ws::{CloseCode, Config, Connection, Inbound, TlsRoots};
use tracing::warn;

use crate::connector::{Connector, ServerLink};
use crate::error::ConnectorError;

/// Connects to a server over a websocket: any Spec v4 server, ours (`bpio-engine`) or the
/// reference (intiface-engine), at a URL such as `ws://127.0.0.1:12345`, or at a `wss://` URL
/// given the roots to trust ([`Self::with_tls_roots`]). A server that requires a token gets it in
/// the URL: `wss://host:12345/?token=<secret>`.
#[derive(Debug, Clone)]
pub struct WebsocketConnector {
    url: String,
    config: Config,
}

impl WebsocketConnector {
    /// A connector for the server at `url`, with the transport's default settings (websocket
    /// keep-alive pings every 10 s, messages up to 1 MiB).
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), config: Config::default() }
    }

    /// The same connector with other transport settings.
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The same connector, trusting `roots` for a `wss://` URL (for example a server's own
    /// self-signed certificate, read with [`TlsRoots::from_pem_file`]). Without roots a `wss://`
    /// URL is refused.
    pub fn with_tls_roots(mut self, roots: TlsRoots) -> Self {
        self.config.tls_roots = Some(roots);
        self
    }
}

impl Connector for WebsocketConnector {
    type Link = WebsocketLink;

    async fn connect(self) -> Result<WebsocketLink, ConnectorError> {
        let connection = bpio_transport_ws::connect(&self.url, &self.config)
            .await
            .map_err(ConnectorError::connect)?;
        Ok(WebsocketLink(connection))
    }
}

/// An open websocket to a server.
#[derive(Debug)]
pub struct WebsocketLink(Connection);

impl ServerLink for WebsocketLink {
    fn send(&mut self, text: String) -> Result<(), ConnectorError> {
        if self.0.send(text) { Ok(()) } else { Err(ConnectorError::Closed) }
    }

    async fn recv(&mut self) -> Option<Vec<u8>> {
        loop {
            match self.0.recv().await {
                Inbound::Text(text) => return Some(text.into_bytes()),
                Inbound::Binary(data) => return Some(data),
                // The transport closes the socket itself; `Closed` follows.
                Inbound::TooBig => warn!("the server sent a message over the size limit"),
                Inbound::Closed => return None,
            }
        }
    }

    fn close(&mut self) {
        self.0.outbound().close(CloseCode::Normal, "client disconnected");
    }
}
