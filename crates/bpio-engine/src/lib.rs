//! The engine as a library: the accept loop that serves clients over the websocket transport,
//! and the startup that builds the device hub from the command line. `main.rs` only parses flags,
//! sets up logging and runs [`run`]; tests use [`serve`] directly with devices they hold.
#![warn(missing_docs)]

mod backends;
mod clients;
mod database;
mod exposure;
mod frontend;
mod legacy;
mod mdns;
mod mqtt;
mod options;
mod readings;
mod repeater;
mod rest;
mod web;

use std::future::Future;
use std::time::Duration;

use anyhow::{Context, Result};
use bpio::server::SessionConfig;
use bpio::server::runtime::{DeviceHub, serve_client};
use tokio::sync::watch;
use tracing::{info, warn};

pub use crate::clients::Clients;
pub use crate::frontend::LogTaps;
pub use crate::mdns::SERVICE_TYPE as MDNS_SERVICE_TYPE;
pub use crate::options::{DEFAULT_DEVICE_PORT, DEFAULT_PORT, Options};
pub use crate::web::{Panel as WebPanel, ServerView};

/// How long shutdown waits for the devices to confirm their stops.
const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(3);

/// Runs the engine the flags describe until Ctrl-C or SIGTERM (or, with a GUI, until it asks
/// for a stop or goes away).
pub async fn run(options: Options) -> Result<()> {
    let mut signal =
        Box::pin(shutdown_signal().context("installing the Ctrl-C and SIGTERM handlers")?);
    // With --frontend-websocket-port, the engine starts once the GUI is connected.
    let gui = match options.frontend_websocket_port {
        Some(port) => match frontend::Gui::connect(port, signal.as_mut()).await? {
            Some(gui) => Some(gui),
            None => return Ok(()),
        },
        None => None,
    };
    let gui_stop = gui.as_ref().map(frontend::Gui::stop_requested);
    let shutdown = async move {
        match gui_stop {
            Some(gui_stop) => tokio::select! {
                signal = signal => signal,
                () = gui_stop => Ok(()),
            },
            None => signal.await,
        }
    };
    let result = run_engine(&options, gui.as_ref(), shutdown).await;
    if let Some(gui) = gui {
        gui.stopped(&result).await;
    }
    result
}

/// Runs the engine until `shutdown` resolves, telling `gui` what happens.
async fn run_engine(
    options: &Options,
    gui: Option<&frontend::Gui>,
    shutdown: impl Future<Output = std::io::Result<()>> + Send + 'static,
) -> Result<()> {
    for line in legacy::warnings(options) {
        warn!("{line}");
    }
    let mdns = mdns::Plan::from_options(options)?;
    // Checked before anything opens, as the other flags are.
    let mqtt = mqtt::Plan::from_options(options)?;
    if options.repeater {
        let repeater = repeater::Repeater::open(options).await?;
        let advertisement = mdns::advertise(mdns.as_ref(), Some(repeater.local_addr()));
        let result = repeater.run(shutdown).await;
        if let Some(advertisement) = advertisement {
            advertisement.stop().await;
        }
        return result;
    }
    repeater::warn_unused(options);
    // The client side opens before any backend starts, so a taken port or a bad TLS or token
    // flag stops the engine before it touches a device.
    let clients = Clients::open(options).await?;
    let rest = match options.rest_api_port {
        Some(port) => Some(rest::Rest::bind(port).await?),
        None => None,
    };
    let exposure = exposure::Exposure::from_options(options)?;
    let panel = web::Panel::bind(options, &exposure).await?;
    let hub = device_hub(options).await?;
    let session = options.session_config();
    let listening = clients.local_addr();
    let advertisement = mdns::advertise(mdns.as_ref(), listening);
    if let Some(gui) = gui {
        // The advertised service, as the reference describes it to its GUI.
        let service = mdns.as_ref().zip(listening).filter(|_| advertisement.is_some());
        gui.serving(&hub, service.map(|(plan, at)| (plan.instance_name(), at.port())));
    }
    // The REST API, the web panel and the MQTT bridge's remote clients are more sessions beside
    // the websocket clients (docs/PROTOCOL.md 14.9), stopped with them.
    let (stopping_tx, stopping) = watch::channel(false);
    let rest = rest.map(|rest| rest.serve(hub.clone(), session.clone(), stopping.clone()));
    let mqtt = mqtt.map(|mqtt| mqtt.run(hub.clone(), session.clone(), stopping.clone()));
    let server = ServerView {
        name: options.server_name.clone(),
        clients_url: listening.map(|at| format!("{}://{at}", exposure.scheme())),
        max_clients: options.max_clients,
    };
    let panel = panel.map(|panel| panel.serve(hub.clone(), session.clone(), server, stopping));
    let shutdown = async move {
        let signal = shutdown.await;
        let _ = stopping_tx.send(true);
        signal
    };
    let (result, rest_result, panel_result, mqtt_result) = tokio::join!(
        serve(clients, session, hub, shutdown),
        if_any(rest),
        if_any(panel),
        if_any(mqtt)
    );
    // Said after every device has stopped: apps forget the engine at once.
    if let Some(advertisement) = advertisement {
        advertisement.stop().await;
    }
    result.and(rest_result).and(panel_result).and(mqtt_result)
}

/// Runs `part` of the engine, if the flags ask for it.
async fn if_any(part: Option<impl Future<Output = Result<()>>>) -> Result<()> {
    match part {
        Some(part) => part.await,
        None => Ok(()),
    }
}

/// The device hub the flags describe: the device database and the hardware backends, started.
pub async fn device_hub(options: &Options) -> Result<DeviceHub> {
    let config = database::device_config(options)?;
    let managers = backends::managers(options, &config).await?;
    Ok(DeviceHub::spawn(config, managers))
}

/// Serves `clients` (a [`Listener`](bpio::transport_ws::Listener), as many at once as it admits,
/// or a client address to connect to, one at a time), until `shutdown` resolves (an error from it
/// is returned). On the way out every session is ended, which stops every device.
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
                    serve_client(clients::WsClient(connection), config, &hub, stop).await;
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

/// Resolves on Ctrl-C, and on SIGTERM where there is one. The handlers are installed when this
/// is called, not when the future is first polled: a signal that arrives once the engine has said
/// it is listening must stop it cleanly (devices stopped), never kill it with the default action.
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
