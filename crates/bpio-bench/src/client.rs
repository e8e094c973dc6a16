//! A bare Spec v4 client: JSON text frames over a websocket, every reply stamped with the time it
//! arrived.
//!
//! A reader task owns the receiving half and stamps each message as it comes off the socket, so
//! a round trip is measured from the moment a command is handed to the socket to the moment its
//! reply is read, and the sender never has to stop to read (a flood cannot deadlock on full
//! buffers).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bpio_protocol::v4::{self, ClientMessage, ServerMessage};
use bpio_protocol::{ClientId, MessageSet, ParseError, parse_frame, serialize_frame};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The client's websocket.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Bound for anything that should happen at once; reached only when a server misbehaves.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One message from the server and when it was read.
#[derive(Debug)]
pub struct Received {
    /// When the frame carrying it was read from the socket.
    pub at: Instant,
    /// The message, or why it could not be read.
    pub message: Result<ServerMessage, ParseError>,
}

/// A connected client.
#[derive(Debug)]
pub struct Client {
    sink: SplitSink<Socket, Message>,
    inbox: mpsc::UnboundedReceiver<Received>,
    reader: JoinHandle<()>,
    next_id: ClientId,
    /// The latest device list the server sent, by index.
    pub devices: BTreeMap<u32, v4::Device>,
}

/// Whether a client reads the device-list events the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lists {
    Read,
    Skip,
}

/// How a device-list event's frame begins (an answer to `RequestDeviceList` has its own Id).
const LIST_EVENT: &[u8] = br#"[{"DeviceList":{"Id":0,"#;

/// Websocket settings of every socket the tool opens or serves: tungstenite zero-fills its whole
/// read chunk (128 KiB by default) before every read from the socket and keeps it for the life of
/// the connection; 8 KiB chunks keep that time and memory out of the tool's figures and the echo
/// baseline's. Longer messages are simply read in several chunks.
pub(crate) fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(8 << 10)
}

/// Opens a websocket to `url` with Nagle's algorithm off, as any latency-minded client does.
pub(crate) async fn open(url: &str) -> Result<Socket> {
    let connect = tokio_tungstenite::connect_async_with_config(url, Some(ws_config()), true);
    let (socket, _) = tokio::time::timeout(PATIENCE, connect)
        .await
        .with_context(|| format!("connecting to {url}: timed out"))?
        .with_context(|| format!("connecting to {url}"))?;
    Ok(socket)
}

impl Client {
    /// Opens a websocket to `url`; no message is sent yet.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_reading(url, Lists::Read).await
    }

    /// Opens a websocket to `url`; `lists` says whether device-list events are read.
    async fn connect_reading(url: &str, lists: Lists) -> Result<Self> {
        let (sink, mut stream) = open(url).await?.split();
        let (inbox_tx, inbox) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                let at = Instant::now();
                let text = match &frame {
                    Message::Text(text) => text.as_bytes(),
                    Message::Close(_) => break,
                    _ => continue,
                };
                if lists == Lists::Skip && text.starts_with(LIST_EVENT) {
                    continue;
                }
                for message in parse_frame::<ServerMessage>(text) {
                    if inbox_tx.send(Received { at, message }).is_err() {
                        return;
                    }
                }
            }
        });
        let next_id = ClientId::try_from(1).map_err(anyhow::Error::msg)?;
        Ok(Self { sink, inbox, reader, next_id, devices: BTreeMap::new() })
    }

    /// Connects and performs the handshake: `RequestServerInfo` answered by `ServerInfo` (or by
    /// `Ok`, which is all the echo baseline says).
    pub async fn connect_and_handshake(url: &str, name: &str) -> Result<Self> {
        let mut client = Self::connect(url).await?;
        client.handshake(name).await?;
        Ok(client)
    }

    /// Connects and performs the handshake, and skips the device-list events the server sends
    /// without parsing them: a client that drives a device it was told of needs none, and with
    /// hundreds of clients on one machine, parsing every list each of them gets would measure
    /// the tool rather than the server. Lists asked for with `RequestDeviceList` are read.
    pub async fn connect_and_handshake_skipping_lists(url: &str, name: &str) -> Result<Self> {
        let mut client = Self::connect_reading(url, Lists::Skip).await?;
        client.handshake(name).await?;
        Ok(client)
    }

    /// Sends `RequestServerInfo` for spec v4 and waits for the answer.
    pub async fn handshake(&mut self, name: &str) -> Result<()> {
        let id = self.fresh_id();
        let request = v4::RequestServerInfo {
            id,
            client_name: name.to_owned(),
            protocol_version_major: v4::PROTOCOL_VERSION_MAJOR,
            protocol_version_minor: v4::PROTOCOL_VERSION_MINOR,
        };
        match self.request(request.into()).await?.0 {
            ServerMessage::ServerInfo(_) | ServerMessage::Ok(_) => Ok(()),
            other => bail!("the server refused the handshake: {other:?}"),
        }
    }

    /// A message Id not used yet in this session.
    pub fn fresh_id(&mut self) -> ClientId {
        let id = self.next_id;
        // A run sends far fewer than u32::MAX messages; the Id only stops growing at the end.
        self.next_id = ClientId::new(id.get().wrapping_add(1)).unwrap_or(id);
        id
    }

    /// Hands `message` to the socket; returns the time just before it was written.
    pub async fn send(&mut self, message: ClientMessage) -> Result<Instant> {
        let text = serialize_frame(&[message]);
        let at = Instant::now();
        self.sink.send(Message::text(text)).await.context("sending to the server")?;
        Ok(at)
    }

    /// The next message, or `None` when nothing arrives within `wait`. Device lists are kept.
    pub async fn next_within(&mut self, wait: Duration) -> Result<Option<Received>> {
        match tokio::time::timeout(wait, self.inbox.recv()).await {
            Err(_) => Ok(None),
            Ok(received) => self.keep_devices(received),
        }
    }

    /// The next message if one has arrived, without waiting. (A zero timeout is no substitute:
    /// tokio's timer may hold it until its next millisecond.) Device lists are kept.
    pub fn try_next(&mut self) -> Result<Option<Received>> {
        match self.inbox.try_recv() {
            Err(mpsc::error::TryRecvError::Empty) => Ok(None),
            Ok(received) => self.keep_devices(Some(received)),
            Err(mpsc::error::TryRecvError::Disconnected) => self.keep_devices(None),
        }
    }

    /// Keeps the device list `received` carries; `None` means the connection ended.
    fn keep_devices(&mut self, received: Option<Received>) -> Result<Option<Received>> {
        let Some(received) = received else { bail!("the server closed the connection") };
        if let Ok(ServerMessage::DeviceList(list)) = &received.message {
            self.devices.clone_from(&list.devices);
        }
        Ok(Some(received))
    }

    /// Waits for the reply to the message with Id `id`; other messages on the way are dropped
    /// (device lists are kept). Returns the reply and when it arrived.
    pub async fn reply_to(&mut self, id: ClientId) -> Result<(ServerMessage, Instant)> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let Some(received) = self.next_within(wait).await? else {
                bail!("no reply to message {} within {PATIENCE:?}", id.get());
            };
            match received.message {
                Ok(message) if message.id() == id.get() => return Ok((message, received.at)),
                Err(err) if err.id == id.get() => bail!("unreadable reply to {}: {err}", id.get()),
                _ => {}
            }
        }
    }

    /// Sends `message` and waits for its reply; returns the reply and the round trip.
    pub async fn request(&mut self, message: ClientMessage) -> Result<(ServerMessage, Duration)> {
        let id = ClientId::new(message.id()).context("a request needs a non-zero Id")?;
        let sent = self.send(message).await?;
        let (reply, at) = self.reply_to(id).await?;
        Ok((reply, at.saturating_duration_since(sent)))
    }

    /// Sends `message` and fails unless the reply is `Ok`.
    pub async fn request_ok(&mut self, message: ClientMessage) -> Result<Duration> {
        let name = message.name();
        match self.request(message).await? {
            (ServerMessage::Ok(_), round_trip) => Ok(round_trip),
            (other, _) => bail!("{name} was answered with {other:?}"),
        }
    }

    /// Asks for the device list until `done` holds for it (servers differ in whether and when
    /// they send list events, so the list is also requested every quarter second).
    pub async fn wait_for_devices(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&BTreeMap<u32, v4::Device>) -> bool,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        while !done(&self.devices) {
            if Instant::now() >= deadline {
                bail!(
                    "timed out waiting for {what}; the server lists {} device(s)",
                    self.devices.len()
                );
            }
            let id = self.fresh_id();
            self.send(v4::RequestDeviceList { id }.into()).await?;
            let poll_end = Instant::now() + Duration::from_millis(250);
            while let Some(wait) = poll_end.checked_duration_since(Instant::now()) {
                if self.next_within(wait).await?.is_none() || done(&self.devices) {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Drops every message already received.
    pub async fn drain(&mut self, quiet: Duration) -> Result<()> {
        while self.next_within(quiet).await?.is_some() {}
        Ok(())
    }

    /// Closes the websocket with a close frame.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(PATIENCE, self.sink.close()).await;
        self.reader.abort();
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// `OutputCmd` setting the vibrator of feature `feature` of device `device` to `value`.
pub fn vibrate(id: ClientId, device: u32, feature: u32, value: i64) -> ClientMessage {
    let command = v4::OutputCommand::new(v4::OutputType::Vibrate, value, 0);
    v4::OutputCmd { id, device_index: device, feature_index: feature, command }.into()
}

/// `StopCmd` for every device.
pub fn stop_all(id: ClientId) -> ClientMessage {
    v4::StopCmd { id, device_index: None, feature_index: None, inputs: None, outputs: None }.into()
}

/// The index of the first feature of `device` with a vibrator.
pub fn vibrator_feature(device: &v4::Device) -> Option<u32> {
    device.device_features.values().find_map(|feature| {
        feature.output.as_ref()?.vibrate.as_ref()?;
        Some(feature.feature_index)
    })
}
