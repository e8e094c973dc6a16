//! The web control panel of `--web-port` (docs/PANEL.md): a page compiled into the engine, and a
//! live channel that pushes what the engine observes and takes the page's commands.
//!
//! The page's commands go through one in-process session of `bpio-client`, so every rule of the
//! server applies to the panel as to any client (docs/PROTOCOL.md 14); what it shows comes from
//! the device list and the observations the GUI channel also reads (`model.rs`).
//!
//! Other pages in the same browser must not reach it: every request must name the panel by an
//! address in its `Host` (no DNS rebinding), and the live channel, the only way to command
//! anything, refuses an `Origin` other than the panel's own (docs/SECURITY.md).

mod live;
mod model;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bpio::client::Client;
use bpio::in_process::InProcessConnector;
use bpio::server::SessionConfig;
use bpio::server::runtime::DeviceHub;
use bpio::transport_ws::Token;
use serde_json::{Map, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tracing::{debug, info};

use crate::exposure::Exposure;
use crate::frontend::PortInUse;
use crate::options::Options;
pub use model::ServerView;

/// The name the panel's session gives the server; the panel does not list itself as a client.
const CLIENT_NAME: &str = "bpio web panel";

/// Live channels open at once: a page per person looking, with room to spare, but not without
/// bound.
const MAX_LIVE: usize = 32;

/// How long a TLS handshake may take.
const TLS_HANDSHAKE: Duration = Duration::from_secs(10);

/// The page, compiled in: nothing is read from disk or fetched at run time.
const INDEX_HTML: &str = include_str!("../../web/index.html");
const PANEL_CSS: &str = include_str!("../../web/panel.css");
const PANEL_JS: &str = include_str!("../../web/panel.js");

/// What the page may load and connect to: only the panel itself, and it may not be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Where the panel's log lines go while it runs; `None` before and after.
static LOG_TAP: Mutex<Option<mpsc::Sender<String>>> = Mutex::new(None);

/// The panel's end of the log, for the tracing layer.
pub(crate) fn log_tap() -> Option<mpsc::Sender<String>> {
    LOG_TAP.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// One log line as the panel shows it: time, level, the message, then the other fields.
pub(crate) fn log_text(
    timestamp: &str,
    level: tracing::Level,
    fields: &Map<String, Value>,
) -> String {
    let mut line = format!("{timestamp} {level:>5}");
    if let Some(Value::String(message)) = fields.get("message") {
        line.push(' ');
        line.push_str(message);
    }
    for (name, value) in fields.iter().filter(|(name, _)| *name != "message") {
        match value {
            Value::String(text) => line.push_str(&format!(" {name}={text}")),
            other => line.push_str(&format!(" {name}={other}")),
        }
    }
    line
}

/// The web panel on its listener. The engine binds it before any device starts, so a taken port
/// stops the engine with one clear line; tests serve one on a listener of their own.
pub struct Panel {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    token: Option<Token>,
}

impl Panel {
    /// A panel on `listener`, over plain HTTP and without a token.
    pub fn new(listener: TcpListener) -> Self {
        Self { listener, tls: None, token: None }
    }

    /// Binds the panel the flags ask for, on the client server's interface; `None` without
    /// `--web-port`.
    pub(crate) async fn bind(options: &Options, exposure: &Exposure) -> Result<Option<Self>> {
        let Some(port) = options.web_port else { return Ok(None) };
        let ip = match options.client_address() {
            // The engine connects out to its client: nothing of it listens beyond loopback.
            Some(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            None => options.listen_address().ip(),
        };
        let address = SocketAddr::new(ip, port);
        let listener = TcpListener::bind(address).await.map_err(|err| {
            if err.kind() == std::io::ErrorKind::AddrInUse {
                anyhow::Error::new(PortInUse { address, flag: "--web-port" })
            } else {
                anyhow::Error::new(err).context(format!("cannot listen on {address}"))
            }
        })?;
        let tls = exposure.tls.as_ref().map(bpio::transport_ws::TlsIdentity::acceptor);
        Ok(Some(Self { listener, tls, token: exposure.token.clone() }))
    }

    /// Serves the panel for `hub` until `stopping` turns true; then its session, which `config`
    /// sets up as any client's, ends.
    pub async fn serve(
        self,
        hub: DeviceHub,
        config: SessionConfig,
        server: ServerView,
        stopping: watch::Receiver<bool>,
    ) -> Result<()> {
        // Watching starts before the session, so the panel sees everything from here on.
        let observer = hub.observe();
        let (log_tx, logs) = mpsc::channel(model::LOG_LINES);
        *LOG_TAP.lock().unwrap_or_else(PoisonError::into_inner) = Some(log_tx);
        let client = Client::connect(CLIENT_NAME, InProcessConnector::new(hub.clone(), config))
            .await
            .context("starting the web panel's session")?;
        let shared = model::Shared::new(server, CLIENT_NAME);
        let model =
            tokio::spawn(model::run(Arc::clone(&shared), hub, observer, logs, stopping.clone()));
        let client = Arc::new(client);
        let readings = tokio::spawn(crate::readings::read_batteries(Arc::clone(&client)));
        let local = self.listener.local_addr().context("the web panel's address")?;
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        info!(address = %local, "web panel on {scheme}://{local}/");
        let web = Web {
            shared,
            client: Arc::clone(&client),
            token: self.token,
            scheme,
            live: Arc::new(tokio::sync::Semaphore::new(MAX_LIVE)),
            stopping: stopping.clone(),
        };
        let app = routes(web);
        let mut stopped = stopping;
        let shutdown = async move {
            let _ = stopped.wait_for(|stopping| *stopping).await;
        };
        let served = match self.tls {
            None => axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await,
            Some(acceptor) => {
                let listener = TlsListener::start(self.listener, acceptor, local);
                axum::serve(listener, app).with_graceful_shutdown(shutdown).await
            }
        };
        *LOG_TAP.lock().unwrap_or_else(PoisonError::into_inner) = None;
        readings.abort();
        model.abort();
        client.disconnect().await;
        served.context("serving the web panel")
    }
}

/// What every request handler gets.
#[derive(Clone)]
struct Web {
    shared: Arc<model::Shared>,
    client: Arc<Client>,
    token: Option<Token>,
    /// `http` or `https`: the scheme of the panel's own origin.
    scheme: &'static str,
    /// Room for more live channels.
    live: Arc<tokio::sync::Semaphore>,
    /// Turns true when the engine stops; live channels close then.
    stopping: watch::Receiver<bool>,
}

fn routes(web: Web) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/panel.css", get(|| async { asset("text/css; charset=utf-8", PANEL_CSS) }))
        .route("/panel.js", get(|| async { asset("text/javascript; charset=utf-8", PANEL_JS) }))
        .route("/live", get(live::upgrade))
        .layer(middleware::from_fn_with_state(web.clone(), guard))
        .with_state(web)
}

async fn index(State(web): State<Web>, request: Request) -> Response {
    if !admitted(&web, &request) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "this panel needs its token: open it as /?token=…",
        );
    }
    asset("text/html; charset=utf-8", INDEX_HTML)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Whether `request` carries the token, when the panel has one.
fn admitted(web: &Web, request: &Request) -> bool {
    web.token.as_ref().is_none_or(|token| token.admits_http(request.uri(), request.headers()))
}

fn refuse(status: StatusCode, why: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], why).into_response()
}

/// Refuses a request that does not name the panel by an address (DNS rebinding), and gives every
/// answer the headers that keep other pages from framing or reading the panel.
async fn guard(State(_): State<Web>, request: Request, next: Next) -> Response {
    let mut response = match host_of(request.headers()) {
        Some(host) if names_this_machine(host) => next.run(request).await,
        host => {
            debug!(?host, "web panel request for another host refused");
            refuse(StatusCode::MISDIRECTED_REQUEST, "the panel answers only to its address")
        }
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn host_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::HOST)?.to_str().ok()
}

/// Whether the `Host` value `host` (with or without a port) names the panel by an address: an
/// IP literal or `localhost`. A host name could be one an attacker points at this machine.
fn names_this_machine(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // [v6]:port
        Some(rest) => match rest.split_once(']') {
            Some((v6, port)) => {
                return v6.parse::<std::net::Ipv6Addr>().is_ok()
                    && (port.is_empty() || port.strip_prefix(':').is_some_and(is_port));
            }
            None => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        },
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<Ipv4Addr>().is_ok()
}

fn is_port(text: &str) -> bool {
    text.parse::<u16>().is_ok()
}

/// A TLS listener for axum: connections whose handshake is done, each done in a task of its own
/// so a slow client holds up nobody.
struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    fn start(listener: TcpListener, acceptor: TlsAcceptor, local: SocketAddr) -> Self {
        let (done, accepted) = mpsc::channel(MAX_LIVE);
        tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (acceptor, handshaken) = (acceptor.clone(), done.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(TLS_HANDSHAKE, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            let _ = handshaken.send((stream, peer)).await;
                        }
                        Ok(Err(err)) => {
                            debug!(%peer, cause = %err, "web panel TLS handshake failed")
                        }
                        Err(_) => debug!(%peer, "web panel TLS handshake timed out"),
                    }
                });
                if done.is_closed() {
                    return;
                }
            }
        });
        Self { accepted, local }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(accepted) => accepted,
            // The accept task only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::names_this_machine;

    #[test]
    fn only_addresses_and_localhost_name_the_panel() {
        for host in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "[::1]:8080",
            "[::1]",
            "localhost:8080",
            "LOCALHOST",
            "192.168.1.20:80",
        ] {
            assert!(names_this_machine(host), "{host}");
        }
        for host in [
            "evil.example:8080",
            "evil.example",
            "127.0.0.1.nip.io:8080",
            "[::1",
            "[::1]x",
            "127.0.0.1:port",
            "",
            "localhost.evil.example:1",
        ] {
            assert!(!names_this_machine(host), "{host}");
        }
    }
}
