//! How a client reaches a server: the connector trait and the link it opens.

use std::future::Future;

use crate::error::ConnectorError;

/// A way to reach a server: a websocket URL ([`WebsocketConnector`](crate::WebsocketConnector)),
/// a server in the same process (`bpio-in-process`), or anything else that moves JSON text.
pub trait Connector: Send + 'static {
    /// The open connection.
    type Link: ServerLink;

    /// Opens the connection. The handshake is the client's job, not the connector's.
    fn connect(self) -> impl Future<Output = Result<Self::Link, ConnectorError>> + Send;
}

/// An open connection to a server that moves whole transmissions (one JSON array of messages
/// each). The client owns it from one task; dropping it closes the connection.
pub trait ServerLink: Send + 'static {
    /// Queues one transmission for the server.
    fn send(&mut self, text: String) -> Result<(), ConnectorError>;

    /// The bytes of the next transmission from the server; `None` once the connection has
    /// ended, and after that. (A websocket's binary frames are read like text; anything that is
    /// not a valid transmission is reported by the client as unreadable.)
    ///
    /// Must be cancel-safe: the client drops the future when something else happens first, and
    /// nothing may be lost then.
    fn recv(&mut self) -> impl Future<Output = Option<Vec<u8>>> + Send;

    /// Sends what is queued and closes the connection.
    fn close(&mut self);
}
