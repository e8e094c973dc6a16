//! The engine as a library: the accept loop that serves clients over the websocket transport,
//! and the startup that builds the device hub from the command line. `main.rs` only parses flags,
//! sets up logging and runs [`run`]; tests use [`serve`] directly with devices they hold.
#![warn(missing_docs)]

pub mod devices;
mod exposure;
mod options;
mod rest;

use std::future::Future;
use std::time::Duration;

use anyhow::{Context, Result};
use bpio::server::SessionConfig;
use bpio::server::runtime::{ClientConnection, CloseReason, DeviceHub, LinkEvent, serve_client};
use bpio::transport_ws::{self, CloseCode, Connection, Inbound, Listener};
use tokio::sync::watch;
use tracing::{debug, info, warn};

pub use crate::options::{DEFAULT_DEVICE_PORT, DEFAULT_PORT, Options};

/// Runs the engine the flags describe until Ctrl-C or SIGTERM.
pub async fn run(options: Options) -> Result<()> {
    let shutdown = shutdown_signal().context("installing the Ctrl-C and SIGTERM handlers")?;
    for flag in options.unsupported() {
        warn!("{flag} is not supported yet; ignoring it");
    }
    let config = SessionConfig {
        server_name: options.server_name.clone(),
        max_ping_time: Duration::from_millis(u64::from(options.max_ping_time)),
        max_messages_per_frame: options.max_messages_per_frame,
    };
    if let Some(port) = options.rest_api_port {
        // As the reference does: the REST API instead of the websocket server.
        let device_config = devices::device_config(&options)?;
        let managers = devices::managers(&options, &device_config).await?;
        let hub = DeviceHub::spawn(device_config, managers);
        let result = rest::serve(port, hub.clone(), config, shutdown).await;
        stop_every_device(&hub).await;
        return result;
    }
    let address = options.listen_address();
    let exposure = exposure::Exposure::from_options(&options)?;
    let transport = transport_ws::Config {
        max_message_bytes: options.max_message_size,
        tls: exposure.tls.clone(),
        token: exposure.token.clone(),
        ..transport_ws::Config::default()
    };
    if options.websocket_client_address.is_some() && options.client_address().is_none() {
        warn!(
            "--websocket-client-address is ignored: {} makes the engine listen",
            options.listen_flag()
        );
    }
    let clients = if let Some(url) = options.client_address() {
        info!(url = %url, "connecting out to the client at {url}, and again whenever it goes away");
        Clients::Connect { url, transport }
    } else {
        let listener = transport_ws::listen(address, transport).await.map_err(|err| match err {
            transport_ws::Error::AddrInUse { .. } => {
                anyhow::anyhow!(
                    "port {} is already in use; choose another with {}",
                    address.port(),
                    options.listen_flag()
                )
            }
            other => anyhow::Error::new(other).context(format!("cannot listen on {address}")),
        })?;
        let local = listener.local_addr();
        let device_port =
            options.use_device_websocket_server.then(|| options.device_listen_address().port());
        for warning in exposure.warnings(local, device_port) {
            warn!("{warning}");
        }
        info!(address = %local, "listening for clients on {}://{local}", exposure.scheme());
        Clients::Listen(listener)
    };

    let device_config = devices::device_config(&options)?;
    let managers = devices::managers(&options, &device_config).await?;
    let hub = DeviceHub::spawn(device_config, managers);
    serve(clients, config, hub, shutdown).await
}

/// Where the engine's clients come from.
pub enum Clients {
    /// A websocket server; while one client is served, the transport refuses others.
    Listen(Listener),
    /// A client that listens itself, at `url` (`--websocket-client-address`): the engine
    /// connects to it, and again whenever the connection ends or cannot be made.
    Connect {
        /// The client's websocket URL.
        url: String,
        /// Transport settings of the connection.
        transport: transport_ws::Config,
    },
}

impl From<Listener> for Clients {
    fn from(listener: Listener) -> Self {
        Self::Listen(listener)
    }
}

/// How long the engine waits before it tries a client address again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

impl Clients {
    /// The next client connection, once `previous` (the session of the last one) has ended if
    /// the engine connects out; `None` when a listener has stopped.
    async fn next(&mut self, previous: Option<tokio::task::JoinHandle<()>>) -> Option<Connection> {
        match self {
            Self::Listen(listener) => listener.accept().await,
            Self::Connect { url, transport } => {
                if let Some(previous) = previous {
                    let _ = previous.await;
                }
                let mut failures = 0u32;
                loop {
                    match transport_ws::connect(url, transport).await {
                        Ok(connection) => {
                            info!("connected to the client at {url}");
                            return Some(connection);
                        }
                        // Said once; the engine keeps trying quietly until the client is there.
                        Err(err) if failures == 0 => {
                            warn!("cannot reach the client ({err}); trying again every second");
                        }
                        Err(err) => debug!("still cannot reach the client: {err}"),
                    }
                    failures = failures.saturating_add(1);
                    tokio::time::sleep(RECONNECT_AFTER).await;
                }
            }
        }
    }
}

/// How long shutdown waits for the devices to confirm their stops.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(3);

/// Serves `clients` (a [`Listener`], or a client address to connect to), one at a time, until
/// `shutdown` resolves (an error from it is returned). On the way out every session is ended,
/// which stops every device.
pub async fn serve(
    clients: impl Into<Clients>,
    config: SessionConfig,
    hub: DeviceHub,
    shutdown: impl Future<Output = std::io::Result<()>>,
) -> Result<()> {
    let mut clients = clients.into();
    let (stop_tx, stop) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut result = Ok(());
    let mut session = None;
    loop {
        tokio::select! {
            accepted = clients.next(session.take()) => {
                let Some(connection) = accepted else { break };
                let (hub, config, stop) = (hub.clone(), config.clone(), stop.clone());
                session = Some(tokio::spawn(async move {
                    serve_client(WsClient(connection), config, &hub, stop).await;
                }));
            }
            signal = &mut shutdown => {
                result = signal.context("waiting for the stop signal");
                info!("stopping: every device is being stopped");
                break;
            }
        }
    }
    // Sessions end (and close their sockets); then every device, in a session or not, is
    // stopped, and the engine waits until each has written its stop bytes.
    let _ = stop_tx.send(true);
    stop_every_device(&hub).await;
    result
}

/// Stops every device, in a session or not, and waits until each has written its stop bytes.
async fn stop_every_device(hub: &DeviceHub) {
    if !hub.stop_all_devices(SHUTDOWN_PATIENCE).await {
        warn!("a device did not confirm its stop within {SHUTDOWN_PATIENCE:?}");
    }
}

/// Resolves on Ctrl-C, and on SIGTERM where there is one.
/// Ctrl-C or SIGTERM. The handlers are installed when this is called, not when the future is
/// first polled: a signal that arrives once the engine has said it is listening must stop it
/// cleanly (devices stopped), never kill it with the default action.
fn shutdown_signal() -> std::io::Result<impl Future<Output = std::io::Result<()>>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => Ok(()),
                _ = term.recv() => Ok(()),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(tokio::signal::ctrl_c())
    }
}

/// The websocket transport as the server's client connection.
struct WsClient(Connection);

impl ClientConnection for WsClient {
    async fn recv(&mut self) -> LinkEvent {
        match self.0.recv().await {
            Inbound::Text(text) => LinkEvent::Text(text),
            Inbound::Binary(_) => LinkEvent::Binary,
            Inbound::TooBig => LinkEvent::TooBig,
            Inbound::Closed => LinkEvent::Closed,
        }
    }

    fn send(&mut self, text: String) -> bool {
        self.0.send(text)
    }

    fn close(&mut self, reason: CloseReason) {
        let (code, why) = match reason {
            CloseReason::SessionEnded => (CloseCode::Normal, "session ended"),
            CloseReason::ServerStopping => (CloseCode::Away, "server stopping"),
        };
        self.0.outbound().close(code, why);
    }
}
