//! The client handle, its settings and the state it shares with the driver task.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use bpio_protocol::v4::{self, InputType, ServerMessage};
use tokio::sync::{mpsc, oneshot};

use crate::command::{Command, expect_ok, unexpected};
use crate::connector::Connector;
use crate::device::Device;
use crate::driver::Driver;
use crate::error::{ConnectorError, Error};
use crate::event::{Event, EventStream};

/// How long [`Client::disconnect`] waits at most for the server's `Ok`: the reference server
/// drops `Disconnect` unanswered (docs/PROTOCOL.md 6.4, item D2), and the client closes either way.
const DISCONNECT_WAIT: Duration = Duration::from_secs(1);

/// Settings of a client.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// How long a request may wait for its reply before it fails with [`Error::Timeout`].
    pub request_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        // Replies normally come at once; a sensor read waits for the device, which has its own
        // shorter timeout on the server.
        Self { request_timeout: Duration::from_secs(10) }
    }
}

impl ClientConfig {
    /// The same settings with another request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

/// A connection to a Buttplug server (Spec v4).
///
/// Cheap to clone; every clone, [`Device`] and [`Subscription`](crate::Subscription) shares one
/// connection, which closes when the last of them is dropped or [`Client::disconnect`] is
/// called. Requests may run concurrently: replies are matched to requests by Id, in whatever
/// order they arrive, and each request fails with [`Error::Timeout`] when its reply does not
/// come within [`ClientConfig::request_timeout`]. When the connection drops, every request still
/// waiting fails at once. The client pings the server by itself, at half the `MaxPingTime` the
/// server asked for.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    requests: mpsc::UnboundedSender<Request>,
    pub(crate) shared: Arc<Mutex<Shared>>,
    server: OnceLock<v4::ServerInfo>,
}

/// What the driver task is asked to do.
pub(crate) enum Request {
    /// Send a request; its reply (or why there is none) goes to `reply`, if anyone waits.
    Call { command: Command, reply: Option<oneshot::Sender<Result<ServerMessage, Error>>> },
    /// Ping the server at this interval from now on.
    KeepAlive(Duration),
    /// Close the connection; `done` is dropped once the driver has finished.
    Close { done: oneshot::Sender<()> },
}

/// The subscriptions of one input: (device, feature, input type).
pub(crate) type InputKey = (u32, u32, InputType);

/// State the handles and the driver both see.
#[derive(Default)]
pub(crate) struct Shared {
    /// The connected devices as the server last listed them.
    pub(crate) devices: BTreeMap<u32, Arc<v4::Device>>,
    pub(crate) listeners: Vec<mpsc::UnboundedSender<Event>>,
    /// Open subscription streams per input, each with its token.
    pub(crate) subscriptions: BTreeMap<InputKey, Vec<(u64, mpsc::UnboundedSender<v4::Reading>)>>,
    pub(crate) next_token: u64,
    /// False once the connection has ended.
    pub(crate) connected: bool,
}

impl Shared {
    /// Sends `event` to every event stream still open.
    pub(crate) fn emit(&mut self, event: &Event) {
        self.listeners.retain(|listener| listener.send(event.clone()).is_ok());
    }

    /// Ends the subscription streams of the inputs `selected` picks.
    pub(crate) fn end_subscriptions(&mut self, selected: impl Fn(&InputKey) -> bool) {
        self.subscriptions.retain(|key, _| !selected(key));
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server_name", &self.server_name())
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects through `connector` and performs the handshake as `name`, with the default
    /// settings; then asks for the device list, so [`Client::devices`] is filled on return.
    pub async fn connect<C: Connector>(name: &str, connector: C) -> Result<Self, Error> {
        Self::connect_with(name, connector, ClientConfig::default()).await
    }

    /// [`Client::connect`] with other settings.
    pub async fn connect_with<C: Connector>(
        name: &str,
        connector: C,
        config: ClientConfig,
    ) -> Result<Self, Error> {
        let link = connector.connect().await?;
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Mutex::new(Shared { connected: true, ..Shared::default() }));
        let inner =
            Arc::new(Inner { requests, shared: Arc::clone(&shared), server: OnceLock::new() });
        let driver = Driver::new(link, shared, Arc::downgrade(&inner), config.request_timeout);
        tokio::spawn(driver.run(requests_rx));
        // From here on an error drops the client, which closes the connection.
        let client = Self { inner };

        let reply =
            client.call(Command::RequestServerInfo { client_name: name.to_owned() }).await?;
        let ServerMessage::ServerInfo(info) = reply else {
            return Err(unexpected("ServerInfo", &reply));
        };
        if info.protocol_version_major != v4::PROTOCOL_VERSION_MAJOR {
            return Err(Error::ServerVersion {
                major: info.protocol_version_major,
                minor: info.protocol_version_minor,
            });
        }
        if info.max_ping_time > 0 {
            // Half the watchdog time, as clients conventionally do (docs/PROTOCOL.md 4.2).
            let every = Duration::from_millis(u64::from(info.max_ping_time) / 2)
                .max(Duration::from_millis(1));
            let _ = client.inner.requests.send(Request::KeepAlive(every));
        }
        let _ = client.inner.server.set(info);
        client.request_device_list().await?;
        Ok(client)
    }

    /// The server's name from the handshake.
    pub fn server_name(&self) -> &str {
        self.inner.server.get().map_or("", |info| info.server_name.as_str())
    }

    /// The server's ping watchdog time from the handshake; zero when it has none.
    pub fn max_ping_time(&self) -> Duration {
        Duration::from_millis(self.inner.server.get().map_or(0, |info| info.max_ping_time.into()))
    }

    /// Whether the connection is still open.
    pub fn is_connected(&self) -> bool {
        self.shared().connected
    }

    /// A stream of what happens from now on. It starts with a [`Event::DeviceAdded`] for every
    /// device connected now, so nothing falls between [`Client::devices`] and the stream, and it
    /// ends after the connection has closed. Events are kept until read, however late.
    pub fn events(&self) -> EventStream {
        let mut shared = self.shared();
        let backlog = shared
            .devices
            .values()
            .map(|info| Event::DeviceAdded(Device::new(self.clone(), Arc::clone(info))))
            .collect();
        let (sender, receiver) = mpsc::unbounded_channel();
        if shared.connected {
            shared.listeners.push(sender);
        }
        EventStream::new(backlog, receiver)
    }

    /// The connected devices, in index order.
    pub fn devices(&self) -> Vec<Device> {
        let devices: Vec<Arc<v4::Device>> = self.shared().devices.values().cloned().collect();
        devices.into_iter().map(|info| Device::new(self.clone(), info)).collect()
    }

    /// The device at `index`, if one is connected there.
    pub fn device(&self, index: u32) -> Option<Device> {
        let info = self.shared().devices.get(&index).cloned()?;
        Some(Device::new(self.clone(), info))
    }

    /// Starts looking for devices; they arrive as [`Event::DeviceAdded`], and
    /// [`Event::ScanningFinished`] follows when every backend has finished by itself.
    pub async fn start_scanning(&self) -> Result<(), Error> {
        expect_ok(self.call(Command::StartScanning).await?)
    }

    /// Stops looking for devices.
    pub async fn stop_scanning(&self) -> Result<(), Error> {
        expect_ok(self.call(Command::StopScanning).await?)
    }

    /// Asks the server for its device list and returns the connected devices. Changes against
    /// the list known so far come out as events, as for any list the server sends.
    pub async fn request_device_list(&self) -> Result<Vec<Device>, Error> {
        let reply = self.call(Command::RequestDeviceList).await?;
        match reply {
            ServerMessage::DeviceList(_) => Ok(self.devices()),
            other => Err(unexpected("DeviceList", &other)),
        }
    }

    /// Stops every output of every device and ends every input subscription.
    pub async fn stop(&self) -> Result<(), Error> {
        self.stop_selected(None, None).await
    }

    /// Pings the server now (the client also pings by itself when the server asks for it).
    pub async fn ping(&self) -> Result<(), Error> {
        expect_ok(self.call(Command::Ping).await?)
    }

    /// Ends the session: sends `Disconnect`, waits a moment for its `Ok`, and closes the
    /// connection, whatever the server answered. Every handle of this client is disconnected
    /// when this returns.
    pub async fn disconnect(&self) {
        // The answer does not matter: the connection closes in every case.
        let _ = tokio::time::timeout(DISCONNECT_WAIT, self.call(Command::Disconnect)).await;
        let (done, finished) = oneshot::channel();
        if self.inner.requests.send(Request::Close { done }).is_ok() {
            // Resolves when the driver drops `done`, after it has closed everything.
            let _ = finished.await;
        }
    }

    /// Sends `command` and waits for its reply; an `Error` reply is returned as `Err`.
    pub(crate) async fn call(&self, command: Command) -> Result<ServerMessage, Error> {
        self.submit(command)?.await
    }

    /// Queues `command` at once and returns the wait for its reply, so several requests can be
    /// in flight together.
    pub(crate) fn submit(
        &self,
        command: Command,
    ) -> Result<impl Future<Output = Result<ServerMessage, Error>> + use<>, Error> {
        let (reply, receiver) = oneshot::channel();
        self.inner
            .requests
            .send(Request::Call { command, reply: Some(reply) })
            .map_err(|_| ConnectorError::Closed)?;
        Ok(async move { receiver.await.unwrap_or(Err(ConnectorError::Closed.into())) })
    }

    /// Sends `command` without waiting for its reply.
    pub(crate) fn send_detached(&self, command: Command) {
        let _ = self.inner.requests.send(Request::Call { command, reply: None });
    }

    /// Sends a `StopCmd` for the selection and, once it is acknowledged, ends the subscription
    /// streams it covered (the server has ended those subscriptions).
    pub(crate) async fn stop_selected(
        &self,
        device: Option<u32>,
        feature: Option<u32>,
    ) -> Result<(), Error> {
        expect_ok(self.call(Command::Stop { device, feature }).await?)?;
        self.shared().end_subscriptions(|(d, f, _)| {
            device.is_none_or(|device| device == *d) && feature.is_none_or(|feature| feature == *f)
        });
        Ok(())
    }

    pub(crate) fn shared(&self) -> MutexGuard<'_, Shared> {
        lock(&self.inner.shared)
    }
}

/// Locks the shared state; a panic elsewhere while it was held leaves it usable.
pub(crate) fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}
