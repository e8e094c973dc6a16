//! One device connection: its identifying first frame, the task that owns the socket, and the
//! connector and hardware the server uses.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    DeviceConnector, DeviceLink, EndpointScope, EventSink, Hardware, HardwareEvent, HwError,
    Specialization, StreamHardware, StreamTransport,
};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tracing::{debug, info, trace};

/// Writes waiting for the socket; a full queue makes the writer wait (back-pressure).
const QUEUE: usize = 32;

/// The first frame a device sends: who it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Hello {
    /// Matched against the `name` of `websocket` specifiers.
    pub identifier: String,
    /// The device's stable address (allow/deny lists, user records).
    pub address: String,
    /// The device's protocol version; carried for compatibility, no version changes anything.
    pub version: u32,
}

impl Hello {
    /// Parses the first frame. Unknown fields are ignored, as the reference does; a missing or
    /// mistyped field, or an empty identifier or address, is an error that says which.
    pub fn parse(text: &str) -> Result<Self, String> {
        let hello: Self = serde_json::from_str(text).map_err(|err| err.to_string())?;
        if hello.identifier.is_empty() {
            return Err("the identifier is empty".into());
        }
        if hello.address.is_empty() {
            return Err("the address is empty".into());
        }
        Ok(hello)
    }
}

/// What the hardware asks of the socket task.
#[derive(Debug)]
enum Outgoing {
    /// Bytes to send, and where to say once they are on the socket (or why not).
    Bytes(Vec<u8>, oneshot::Sender<Result<(), HwError>>),
    Close,
}

/// Starts the task that owns `socket` and returns the connector for the device behind it.
pub(crate) fn spawn<S>(
    socket: WebSocketStream<S>,
    hello: Hello,
    keepalive: Duration,
) -> WebsocketConnector
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Frames name no endpoint, so the socket carries every endpoint a protocol names, as the
    // reference's websocket devices do: DIY firmware of any protocol relies on that.
    let link = Arc::new(DeviceLink::with_scope(EndpointScope::Every));
    let (outgoing, outgoing_rx) = mpsc::channel(QUEUE);
    tokio::spawn(drive(socket, Arc::clone(&link), outgoing_rx, keepalive));
    WebsocketConnector { hello, link, outgoing }
}

/// Owns the socket until the connection ends in any way, then reports the disconnect.
async fn drive<S>(
    mut socket: WebSocketStream<S>,
    link: Arc<DeviceLink>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    keepalive: Duration,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + keepalive, keepalive);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pong_outstanding = false;
    let why = loop {
        // In this order: the server's writes (a short queue fed by one device task, so they
        // cannot starve reading), then what the device sent, and the keep-alive tick last, so
        // that a pong that has arrived is always read before the tick asks for it.
        tokio::select! {
            biased;
            request = outgoing.recv() => match request {
                Some(Outgoing::Bytes(data, done)) => {
                    // A peer that stopped reading fills the TCP buffers; a write then waits at
                    // most one keep-alive interval, never forever.
                    match tokio::time::timeout(keepalive, socket.send(Message::binary(data))).await {
                        Ok(Ok(())) => {
                            let _ = done.send(Ok(()));
                        }
                        Ok(Err(err)) => {
                            debug!(cause = %err, "write to a websocket device failed");
                            let _ = done.send(Err(HwError::Disconnected));
                            break "a write failed";
                        }
                        Err(_) => {
                            let _ = done.send(Err(HwError::Disconnected));
                            break "the device stopped taking data";
                        }
                    }
                }
                // Closed by the server, or nobody holds the device any more.
                Some(Outgoing::Close) | None => {
                    let _ = socket.close(None).await;
                    break "the server closed the connection";
                }
            },
            frame = socket.next() => match frame {
                // Text after the first frame is taken as bytes, as the reference does.
                Some(Ok(Message::Binary(data))) => deliver(&link, data.to_vec()),
                Some(Ok(Message::Text(text))) => deliver(&link, text.as_bytes().to_vec()),
                Some(Ok(Message::Pong(_))) => pong_outstanding = false,
                // Pings are answered by tungstenite on the next write or flush.
                Some(Ok(Message::Ping(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) => {
                    // Sends tungstenite's queued close reply.
                    let _ = socket.flush().await;
                    break "the device closed the connection";
                }
                Some(Err(err)) => {
                    debug!(cause = %err, "device websocket error");
                    break "the connection failed";
                }
                None => break "the connection ended",
            },
            _ = ping.tick() => {
                if pong_outstanding {
                    break "no answer to the keep-alive ping";
                }
                pong_outstanding = true;
                let ping = socket.send(Message::Ping(Default::default()));
                if !matches!(tokio::time::timeout(keepalive, ping).await, Ok(Ok(()))) {
                    break "the keep-alive ping could not be sent";
                }
            }
        }
    };
    info!(reason = why, "websocket device connection ended");
    link.close();
}

fn deliver(link: &DeviceLink, data: Vec<u8>) {
    let len = data.len();
    if !link.notify_received(data) {
        trace!(len, "bytes nobody takes (the device is not connected yet); dropped");
    }
}

/// Connects a device that identified itself; dropping it unused closes the device's socket.
#[derive(Debug)]
pub(crate) struct WebsocketConnector {
    hello: Hello,
    link: Arc<DeviceLink>,
    outgoing: mpsc::Sender<Outgoing>,
}

#[async_trait]
impl DeviceConnector for WebsocketConnector {
    async fn connect(
        self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        if !matches!(specialization, Specialization::Fixed) {
            return Err(HwError::WrongSpecialization);
        }
        self.link.attach(events)?;
        let Self { hello, link, outgoing } = *self;
        let transport = SocketTransport { outgoing };
        Ok(Arc::new(StreamHardware::new(hello.identifier, hello.address, link, transport)))
    }
}

/// How the hardware reaches the socket task.
#[derive(Debug)]
struct SocketTransport {
    outgoing: mpsc::Sender<Outgoing>,
}

#[async_trait]
impl StreamTransport for SocketTransport {
    /// Returns once the bytes are on the socket, so a caller that waits for a stop to be
    /// written (shutdown) knows it left.
    async fn send(&self, data: &[u8]) -> Result<(), HwError> {
        let (done, written) = oneshot::channel();
        self.outgoing
            .send(Outgoing::Bytes(data.to_vec(), done))
            .await
            .map_err(|_| HwError::Disconnected)?;
        written.await.unwrap_or(Err(HwError::Disconnected))
    }

    async fn close(&self) {
        // A task that already ended has reported the disconnect itself.
        let _ = self.outgoing.send(Outgoing::Close).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_frame_names_the_device() {
        assert_eq!(
            Hello::parse(r#"{"identifier":"LVS-Z","address":"a1","version":1,"extra":true}"#),
            Ok(Hello { identifier: "LVS-Z".into(), address: "a1".into(), version: 1 })
        );
        for (bad, why) in [
            (r#"{"identifier":"x","address":"a"}"#, "missing field `version`"),
            (r#"{"identifier":"x","address":"a","version":-1}"#, "invalid value"),
            (r#"{"identifier":"","address":"a","version":1}"#, "identifier is empty"),
            (r#"{"identifier":"x","address":"","version":1}"#, "address is empty"),
            (r#""a string""#, "invalid type"),
            ("hello", "expected value"),
        ] {
            let err = Hello::parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
