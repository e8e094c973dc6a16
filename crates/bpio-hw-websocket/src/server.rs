//! The listening side: accepting devices, waiting for their first frame, reporting them.

use std::net::SocketAddr;
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    AdvertisementBuf, EventSink, FoundDevice, HardwareManager, HwError, ManagerEvent,
};
use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tracing::{debug, info, warn};

use crate::device::{self, Hello};
use crate::{Config, Error};

/// A bound device websocket server that does not accept devices yet.
///
/// Binding is separate from [`DeviceServer::start`] so that a taken port is an error at
/// start-up, before the server is handed to the device hub.
#[derive(Debug)]
pub struct DeviceServer {
    listener: TcpListener,
    local_addr: SocketAddr,
}

impl DeviceServer {
    /// Binds `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr) -> Result<Self, Error> {
        let listener = TcpListener::bind(addr).await.map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => Error::AddrInUse { addr },
            _ => Error::Bind { addr, source },
        })?;
        let local_addr = listener.local_addr().unwrap_or(addr);
        Ok(Self { listener, local_addr })
    }

    /// The address devices connect to (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Starts accepting devices; each that identifies itself is reported to `events`. Must be
    /// called within a tokio runtime.
    pub fn start(self, config: Config, events: EventSink<ManagerEvent>) -> WebsocketManager {
        debug!(address = %self.local_addr, "device websocket server listening");
        let accept = tokio::spawn(accept_loop(self.listener, config, events.clone()));
        WebsocketManager { events, local_addr: self.local_addr, accept }
    }
}

/// The [`HardwareManager`] of the device websocket server. Dropping it stops accepting devices;
/// devices already connected stay until the server lets go of them.
#[derive(Debug)]
pub struct WebsocketManager {
    events: EventSink<ManagerEvent>,
    local_addr: SocketAddr,
    accept: JoinHandle<()>,
}

impl WebsocketManager {
    /// The address devices connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for WebsocketManager {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

#[async_trait]
impl HardwareManager for WebsocketManager {
    fn name(&self) -> &'static str {
        "websocket-devices"
    }

    /// Devices are reported when they connect, so there is nothing to look for.
    async fn start_scanning(&self) -> Result<(), HwError> {
        let _ = self.events.send(ManagerEvent::ScanningFinished);
        Ok(())
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        Ok(())
    }
}

async fn accept_loop(listener: TcpListener, config: Config, events: EventSink<ManagerEvent>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(err) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                warn!(cause = %err, "device websocket server: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        debug!(%peer, "device connection");
        // Each device is welcomed on its own so a slow one never holds up the others.
        tokio::spawn(welcome(stream, config.clone(), events.clone()));
    }
}

/// Runs the websocket handshake and waits for the identifying first frame, within the hello
/// timeout; then reports the device.
async fn welcome(stream: TcpStream, config: Config, events: EventSink<ManagerEvent>) {
    if let Err(err) = stream.set_nodelay(true) {
        debug!(cause = %err, "cannot set TCP_NODELAY");
    }
    // Device traffic is a few bytes per command: a 256-byte read buffer instead of tungstenite's
    // 128 KiB, which it zero-fills before every read and which stays resident per device.
    // Longer messages are simply read in several chunks.
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(256)
        .max_message_size(Some(config.max_message_bytes))
        .max_frame_size(Some(config.max_message_bytes));
    let hello = async {
        let mut socket = tokio_tungstenite::accept_async_with_config(stream, Some(ws_config))
            .await
            .map_err(|err| format!("websocket handshake failed: {err}"))?;
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let hello = Hello::parse(&text)
                        .map_err(|why| format!("the first frame does not identify it: {why}"))?;
                    return Ok((socket, hello));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Binary(_))) => {
                    return Err("its first frame is binary, not the identifying text".to_owned());
                }
                Some(Ok(Message::Close(_))) | None => {
                    return Err("it left before identifying itself".to_owned());
                }
                Some(Err(err)) => return Err(format!("the connection failed: {err}")),
            }
        }
    };
    let (socket, hello) = match tokio::time::timeout(config.hello_timeout, hello).await {
        Ok(Ok(welcomed)) => welcomed,
        Ok(Err(why)) => {
            warn!(cause = %why, "websocket device dropped");
            return;
        }
        Err(_) => {
            warn!(
                timeout_ms = config.hello_timeout.as_millis(),
                "websocket device dropped: it sent no identifying frame in time"
            );
            return;
        }
    };
    info!("websocket device connected");
    debug!(identifier = %hello.identifier, address = %hello.address, version = hello.version, "websocket device identity");
    let advertisement = AdvertisementBuf::Websocket { identifier: hello.identifier.clone() };
    let found = FoundDevice {
        name: hello.identifier.clone(),
        address: hello.address.clone(),
        advertisement,
        connector: Box::new(device::spawn(socket, hello, config.keepalive)),
    };
    // A manager nobody listens to drops the device, which closes its socket.
    let _ = events.send(ManagerEvent::Found(found));
}
