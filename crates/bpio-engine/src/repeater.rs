//! Repeater mode (`--repeater`): the engine runs no devices. Each client that connects to the
//! repeater port is joined to the server at `--repeater-remote-address`, frame for frame: text
//! and binary, in order, both ways. When either side goes, the other is closed, with the close
//! code and reason carried across where the protocol allows them.
//!
//! intiface-engine parses `--repeater` and `--repeater-port` but its command line never sets the
//! remote address, so its repeater cannot be started from the command line; the address flag is
//! bpio's. Like the reference, the repeater takes one client at a time (the transport refuses a
//! second with HTTP 503), and dials the remote server once the client is connected.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bpio::transport_ws::{self, CloseCode, Connection, Inbound, Listener};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::exposure::Exposure;
use crate::frontend::PortInUse;
use crate::options::Options;

/// How long the repeater waits for the remote server to accept a connection.
const DIAL_PATIENCE: Duration = Duration::from_secs(10);

/// How long a closed connection may take to send its close frame before it is dropped.
const CLOSE_PATIENCE: Duration = Duration::from_secs(1);

/// The repeater the flags describe, listening.
pub(crate) struct Repeater {
    listener: Listener,
    remote: Remote,
}

/// The server clients are joined to.
#[derive(Clone)]
struct Remote {
    url: String,
    config: transport_ws::Config,
}

impl Repeater {
    /// Checks the flags and binds the repeater port, so that a missing or wrong remote address,
    /// a taken port or a wrong TLS or token flag stops the engine with one clear line.
    pub(crate) async fn open(options: &Options) -> Result<Self> {
        let exposure = Exposure::from_options(options)?;
        let url = remote_url(options.repeater_remote_address.as_deref(), exposure.roots.is_some())?;
        let local = local_address(options);
        let config = |tls, token, tls_roots| transport_ws::Config {
            max_message_bytes: options.max_message_size,
            tls,
            token,
            tls_roots,
            ..transport_ws::Config::default()
        };
        // The client side is protected as the client server would be: same TLS and token flags.
        let local_config = config(exposure.tls.clone(), exposure.token.clone(), None);
        let remote = Remote { url, config: config(None, None, exposure.roots.clone()) };
        let listener =
            transport_ws::listen(local, local_config).await.map_err(|err| match err {
                transport_ws::Error::AddrInUse { .. } => {
                    anyhow::Error::new(PortInUse { address: local, flag: "--repeater-port" })
                }
                other => anyhow::Error::new(other).context(format!("cannot listen on {local}")),
            })?;
        let bound = listener.local_addr();
        for warning in exposure.warnings(bound, None) {
            warn!("{warning}");
        }
        info!(
            address = %bound,
            "repeater: this engine runs no devices; listening for clients on {}://{bound}",
            exposure.scheme(),
        );
        info!("repeater: each client is joined to {}", without_query(&remote.url));
        Ok(Self { listener, remote })
    }

    /// Where clients connect.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr()
    }

    /// Joins clients to the remote server until `shutdown` resolves (an error from it is
    /// returned); then closes both sides of every join.
    pub(crate) async fn run(
        mut self,
        shutdown: impl Future<Output = std::io::Result<()>>,
    ) -> Result<()> {
        let (stop_tx, stop) = watch::channel(false);
        let mut joins = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        let result = loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Some(client) = accepted else { break Ok(()) };
                    joins.spawn(join(client, self.remote.clone(), stop.clone()));
                }
                Some(_) = joins.join_next(), if !joins.is_empty() => {}
                signal = &mut shutdown => {
                    info!("repeater: stopping");
                    break signal.context("waiting for the stop signal");
                }
            }
        };
        let _ = stop_tx.send(true);
        while joins.join_next().await.is_some() {}
        result
    }
}

/// Warns about repeater flags given without `--repeater`.
pub(crate) fn warn_unused(options: &Options) {
    if options.repeater_port.is_some() {
        warn!("--repeater-port has no effect without --repeater");
    }
    if options.repeater_remote_address.is_some() {
        warn!("--repeater-remote-address has no effect without --repeater");
    }
}

/// The remote URL from the flag, `ws://` assumed when it has no scheme.
fn remote_url(flag: Option<&str>, have_roots: bool) -> Result<String> {
    let Some(address) = flag else {
        bail!("--repeater needs --repeater-remote-address URL: the server to join clients to");
    };
    let url = if address.contains("://") { address.to_owned() } else { format!("ws://{address}") };
    // Only the scheme is quoted: the rest may hold a token.
    let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme).to_ascii_lowercase();
    match scheme.as_str() {
        "ws" => {}
        "wss" if have_roots => {}
        "wss" => bail!(
            "--repeater-remote-address is a wss:// URL: name the certificates to trust with \
             --websocket-tls-roots"
        ),
        scheme => bail!("--repeater-remote-address must be a ws:// or wss:// URL, not {scheme}://"),
    }
    Ok(url)
}

/// The repeater port on the client server's interface; the client server's port by default.
fn local_address(options: &Options) -> SocketAddr {
    let client_server = options.listen_address();
    SocketAddr::new(client_server.ip(), options.repeater_port.unwrap_or(client_server.port()))
}

/// `url` without its query and fragment, for logs: the query may carry a token.
fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// Joins `client` to a new connection to `remote` until either ends or the repeater stops.
async fn join(client: Connection, remote: Remote, mut stop: watch::Receiver<bool>) {
    info!("repeater: a client connected; dialling the remote server");
    // What the client sends meanwhile waits in its connection (and then in TCP), in order.
    let dialled = tokio::select! {
        dialled = tokio::time::timeout(DIAL_PATIENCE, transport_ws::connect(&remote.url, &remote.config)) => dialled,
        _ = stop.changed() => {
            close(client, CloseCode::Away, "repeater stopping").await;
            return;
        }
    };
    let server = match dialled {
        Ok(Ok(server)) => server,
        Ok(Err(err)) => {
            let err = anyhow::Error::new(err);
            warn!("repeater: cannot reach the remote server, closing the client: {err:#}");
            close(client, CloseCode::Error, "the repeater cannot reach the remote server").await;
            return;
        }
        Err(_) => {
            warn!(
                "repeater: the remote server {} did not answer within {DIAL_PATIENCE:?}, closing \
                 the client",
                without_query(&remote.url)
            );
            close(client, CloseCode::Error, "the remote server did not answer the repeater").await;
            return;
        }
    };
    info!("repeater: joined the client to the remote server");
    relay(client, server, stop).await;
}

/// Which side of a join.
#[derive(Debug, Clone, Copy)]
enum Side {
    Client,
    Server,
}

/// Passes frames both ways until one side closes or the repeater stops; then closes the other
/// side (or both).
async fn relay(mut client: Connection, mut server: Connection, mut stop: watch::Receiver<bool>) {
    let (to_client, to_server) = (client.outbound(), server.outbound());
    let ended = loop {
        let (from, event) = tokio::select! {
            event = client.recv() => (Side::Client, event),
            event = server.recv() => (Side::Server, event),
            _ = stop.changed() => break None,
        };
        let to = match from {
            Side::Client => &to_server,
            Side::Server => &to_client,
        };
        match event {
            Inbound::Text(text) => {
                to.send(text);
            }
            Inbound::Binary(data) => {
                to.send_binary(data);
            }
            // The transport has closed that side with 1009; `Closed` follows.
            Inbound::TooBig => warn!(side = ?from, "repeater: a message over the size limit"),
            Inbound::Closed => break Some(from),
        }
    };
    match ended {
        Some(Side::Client) => {
            let (code, reason) = carried(client.peer_close(), "the client went away");
            info!(code = u16::from(code), "repeater: the client left; closing the remote side");
            close(server, code, &reason).await;
        }
        Some(Side::Server) => {
            let (code, reason) = carried(server.peer_close(), "the remote server went away");
            info!(code = u16::from(code), "repeater: the remote server left; closing the client");
            close(client, code, &reason).await;
        }
        None => {
            to_server.close(CloseCode::Away, "repeater stopping");
            close(client, CloseCode::Away, "repeater stopping").await;
            drain(server).await;
        }
    }
}

/// The peer's close code and reason to pass to the other side, when the protocol lets an
/// endpoint send them; else 1001 (going away) with `otherwise`.
fn carried(peer_close: Option<(CloseCode, &str)>, otherwise: &str) -> (CloseCode, String) {
    match peer_close {
        Some((code, reason)) if code.is_allowed() => (code, reason.to_owned()),
        _ => (CloseCode::Away, otherwise.to_owned()),
    }
}

/// Closes `connection` with `code` and `reason` and waits (briefly) until the close frame is out.
async fn close(connection: Connection, code: CloseCode, reason: &str) {
    connection.outbound().close(code, reason);
    drain(connection).await;
}

/// Waits (briefly) for the end of a connection that is closing.
async fn drain(mut connection: Connection) {
    let _ = tokio::time::timeout(CLOSE_PATIENCE, async {
        while connection.recv().await != Inbound::Closed {}
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remote_address_is_a_ws_or_wss_url() {
        assert_eq!(remote_url(Some("127.0.0.1:12345"), false).unwrap(), "ws://127.0.0.1:12345");
        assert_eq!(remote_url(Some("ws://h:1/?token=t"), false).unwrap(), "ws://h:1/?token=t");
        assert_eq!(remote_url(Some("wss://h:1"), true).unwrap(), "wss://h:1");
        let error = |flag, roots| remote_url(flag, roots).unwrap_err().to_string();
        assert!(error(None, false).contains("needs --repeater-remote-address"));
        assert!(error(Some("wss://h:1"), false).contains("--websocket-tls-roots"));
        let http = error(Some("http://h:1/?token=secret"), true);
        assert!(http.contains("not http://") && !http.contains("secret"), "{http}");
    }

    #[test]
    fn close_codes_cross_unless_an_endpoint_may_not_send_them() {
        let carry = |code: u16| carried(Some((CloseCode::from(code), "why")), "gone").0;
        for code in [1000, 1001, 1008, 1011, 3000, 4321] {
            assert_eq!(u16::from(carry(code)), code);
        }
        // No status, abnormal closure, TLS failure: never sent in a close frame.
        for code in [1005, 1006, 1015] {
            assert_eq!(carry(code), CloseCode::Away);
        }
        assert_eq!(carried(None, "gone"), (CloseCode::Away, "gone".to_owned()));
    }
}
