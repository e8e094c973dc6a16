//! bpio-engine: the bpio server as a command-line program, flag-compatible with intiface-engine.
//!
//! It listens for clients on a websocket (127.0.0.1:12345 unless told otherwise), serves one
//! client at a time, and on Ctrl-C or SIGTERM stops every device before it exits.

mod devices;
mod options;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use bpio::server::SessionConfig;
use bpio::server::runtime::{ClientConnection, CloseReason, DeviceHub, LinkEvent, serve_client};
use bpio::transport_ws::{self, CloseCode, Connection, Inbound};
use clap::Parser;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::options::Options;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn main() -> ExitCode {
    let options = Options::parse();
    if options.server_version {
        #[allow(clippy::print_stdout)]
        {
            println!("{VERSION}");
        }
        return ExitCode::SUCCESS;
    }
    if options.version {
        #[allow(clippy::print_stdout)]
        {
            println!("bpio-engine {VERSION}");
        }
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_max_level(options.log.unwrap_or(tracing::Level::INFO))
        .with_target(false)
        .init();
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(runtime) => runtime,
            Err(err) => {
                error!(cause = %err, "cannot start the async runtime");
                return ExitCode::FAILURE;
            }
        };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<()> {
    for flag in options.unsupported() {
        warn!("{flag} is not supported yet; ignoring it");
    }
    let address = options.listen_address();
    let mut listener = transport_ws::listen(address, transport_ws::Config::default())
        .await
        .map_err(|err| match err {
            transport_ws::Error::AddrInUse { .. } => {
                anyhow::anyhow!(
                    "port {} is already in use; choose another with {}",
                    address.port(),
                    options.listen_flag()
                )
            }
            other => anyhow::Error::new(other).context(format!("cannot listen on {address}")),
        })?;
    info!(address = %listener.local_addr(), "listening for clients on ws://{}", listener.local_addr());

    let config = SessionConfig {
        server_name: options.server_name.clone(),
        max_ping_time: Duration::from_millis(u64::from(options.max_ping_time)),
    };
    let hub = DeviceHub::spawn(devices::device_config(&options)?, devices::managers(&options));
    let (stop_tx, stop) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Some(connection) = accepted else { break };
                // One client at a time: the transport refuses others while this one is served.
                let (hub, config, stop) = (hub.clone(), config.clone(), stop.clone());
                tokio::spawn(async move { serve_client(WsClient(connection), config, &hub, stop).await });
            }
            signal = &mut shutdown => {
                signal.context("waiting for the stop signal")?;
                info!("stopping: every device is being stopped");
                break;
            }
        }
    }
    let _ = stop_tx.send(true);
    // Give the session a moment to hand its stop commands to the devices and close the socket.
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

/// Resolves on Ctrl-C, and on SIGTERM where there is one.
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
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
