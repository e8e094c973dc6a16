//! The driver's timing on tokio's paused clock, over an in-memory link: pings at exactly half
//! the `MaxPingTime`, none when it is 0, and request timeouts at exactly the configured time.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::connector::{Connector, ServerLink};
use crate::error::ConnectorError;
use crate::{Client, ClientConfig, Error};

struct MemoryLink {
    to_server: mpsc::UnboundedSender<String>,
    from_server: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl ServerLink for MemoryLink {
    fn send(&mut self, text: String) -> Result<(), ConnectorError> {
        self.to_server.send(text).map_err(|_| ConnectorError::Closed)
    }

    async fn recv(&mut self) -> Option<Vec<u8>> {
        self.from_server.recv().await
    }

    fn close(&mut self) {}
}

impl Connector for MemoryLink {
    type Link = Self;

    async fn connect(self) -> Result<Self, ConnectorError> {
        Ok(self)
    }
}

/// The server's end of a [`MemoryLink`].
struct Server {
    from_client: mpsc::UnboundedReceiver<String>,
    to_client: mpsc::UnboundedSender<Vec<u8>>,
}

impl Server {
    /// The next message from the client: its name and body.
    async fn next(&mut self) -> Option<(String, Value)> {
        let text = self.from_client.recv().await?;
        let frame: Value = serde_json::from_str(&text).unwrap();
        let (name, body) = frame[0].as_object().unwrap().iter().next().unwrap();
        Some((name.clone(), body.clone()))
    }

    fn reply(&self, message: Value) {
        self.to_client.send(json!([message]).to_string().into_bytes()).unwrap();
    }
}

/// A client after the handshake with a server that asks for pings within `max_ping_time_ms`.
async fn connect(max_ping_time_ms: u32, config: ClientConfig) -> (Client, Server) {
    let (to_server, from_client) = mpsc::unbounded_channel();
    let (to_client, from_server) = mpsc::unbounded_channel();
    let mut server = Server { from_client, to_client };
    let connecting =
        tokio::spawn(Client::connect_with("timing", MemoryLink { to_server, from_server }, config));
    let (_, hello) = server.next().await.unwrap();
    server.reply(json!({"ServerInfo": {"Id": hello["Id"], "ServerName": "memory", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0, "MaxPingTime": max_ping_time_ms}}));
    let (_, request) = server.next().await.unwrap();
    server.reply(json!({"DeviceList": {"Id": request["Id"], "Devices": {}}}));
    (connecting.await.unwrap().unwrap(), server)
}

#[tokio::test(start_paused = true)]
async fn pings_go_out_at_exactly_half_the_max_ping_time() {
    let (_client, mut server) = connect(3000, ClientConfig::default()).await;
    let connected = Instant::now();
    for n in 1..=4 {
        let (name, ping) = server.next().await.unwrap();
        assert_eq!(name, "Ping");
        assert_eq!(connected.elapsed(), Duration::from_millis(1500 * n));
        server.reply(json!({"Ok": {"Id": ping["Id"]}}));
    }
}

#[tokio::test(start_paused = true)]
async fn no_pings_go_out_when_the_server_needs_none() {
    let (_client, mut server) = connect(0, ClientConfig::default()).await;
    let quiet = tokio::time::timeout(Duration::from_secs(24 * 3600), server.next()).await;
    assert!(quiet.is_err(), "a day without a message: {quiet:?}");
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_ping_is_reported_as_an_error_event() {
    let (client, mut server) = connect(1000, ClientConfig::default()).await;
    let mut events = client.events();
    assert_eq!(server.next().await.unwrap().0, "Ping");
    let event = events.next().await;
    assert!(
        matches!(event, Some(crate::Event::Error(Error::Timeout(t))) if t == Duration::from_secs(10)),
        "{event:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_request_times_out_at_exactly_the_configured_time() {
    let timeout = Duration::from_millis(2500);
    let (client, mut server) =
        connect(0, ClientConfig::default().with_request_timeout(timeout)).await;
    let started = Instant::now();
    let (result, request) = tokio::join!(client.start_scanning(), server.next());
    assert_eq!(request.unwrap().0, "StartScanning");
    assert!(matches!(result, Err(Error::Timeout(t)) if t == timeout), "{result:?}");
    assert_eq!(started.elapsed(), timeout);
}
