//! The panel's live channel (docs/PANEL.md): a websocket that gets a `hello` and then every
//! change, and takes the page's commands, each answered with one `reply`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bpio::client::{Client, Error as ClientError, Level};
use bpio::protocol::v4::OutputType;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tracing::debug;

use super::{Web, admitted, refuse};

/// The largest message the page may send: its commands are a few dozen bytes.
const MAX_MESSAGE: usize = 64 * 1024;

/// How long a timed position the panel sets takes.
const POSITION_DURATION: Duration = Duration::from_millis(500);

/// Upgrades `GET /live` to the live channel, for the panel's own page only.
pub(super) async fn upgrade(State(web): State<Web>, mut request: Request) -> Response {
    if !admitted(&web, &request) {
        return refuse(StatusCode::UNAUTHORIZED, "the live channel needs the panel's token");
    }
    if !same_origin(request.headers(), web.scheme) {
        debug!(origin = ?request.headers().get(header::ORIGIN), "live channel from another origin refused");
        return refuse(StatusCode::FORBIDDEN, "the live channel serves the panel's own page only");
    }
    let headers = request.headers();
    let upgrading = has_token(headers, header::CONNECTION, "upgrade")
        && has_token(headers, header::UPGRADE, "websocket")
        && headers.get(header::SEC_WEBSOCKET_VERSION).is_some_and(|v| v == "13");
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY).filter(|_| upgrading) else {
        return refuse(StatusCode::BAD_REQUEST, "the live channel is a websocket");
    };
    let Ok(permit) = Arc::clone(&web.live).try_acquire_owned() else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "too many panels are open");
    };
    let accept = derive_accept_key(key.as_bytes());
    let upgraded = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        let Ok(upgraded) = upgraded.await else { return };
        let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE));
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        serve(socket, &web).await;
        drop(permit);
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .unwrap_or_default()
}

/// Whether a browser's request comes from the panel's own origin. A request without `Origin`
/// comes from a program, not from a page, and is held to the token alone.
fn same_origin(headers: &HeaderMap, scheme: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Some(host) = super::host_of(headers) else { return false };
    origin.to_str().is_ok_and(|origin| {
        origin
            .split_once("://")
            .is_some_and(|(s, h)| s.eq_ignore_ascii_case(scheme) && h.eq_ignore_ascii_case(host))
    })
}

/// Whether the comma-separated header `name` holds `token` (in any case).
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.split(',').any(|item| item.trim().eq_ignore_ascii_case(token)))
}

/// Serves one live channel until the page goes or the engine stops.
async fn serve<S>(socket: WebSocketStream<S>, web: &Web)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut sink, mut stream) = socket.split();
    let (hello, mut changes) = web.shared.subscribe();
    if sink.send(Message::text(hello)).await.is_err() {
        return;
    }
    let mut stopping = web.stopping.clone();
    loop {
        let outgoing = tokio::select! {
            change = changes.recv() => match change {
                Ok(change) => Message::text(Utf8Bytes::from(&*change)),
                // Behind: everything as it is now, in place of what was missed.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let (hello, fresh) = web.shared.subscribe();
                    changes = fresh;
                    Message::text(hello)
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => Message::text(command(&web.client, text.as_str()).await),
                Some(Ok(Message::Binary(_))) => Message::text(reply(0, Some("the panel speaks JSON text"))),
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
            },
            () = stopped(&mut stopping) => break,
        };
        if sink.send(outgoing).await.is_err() {
            return;
        }
    }
    let close = CloseFrame { code: 1001.into(), reason: "the engine is stopping".into() };
    let _ = sink.send(Message::Close(Some(close))).await;
}

/// Resolves once the engine stops.
async fn stopped(stopping: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stopping| *stopping).await;
}

/// A command of the page.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Command {
    Output { id: u64, device: u32, feature: u32, output: OutputType, value: i64 },
    Scan { id: u64, scanning: bool },
    StopDevice { id: u64, device: u32 },
    StopAll { id: u64 },
}

/// Carries out one command of the page; returns its `reply`.
async fn command(client: &Client, text: &str) -> String {
    let command: Command = match serde_json::from_str(text) {
        Ok(command) => command,
        Err(err) => {
            let id = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|value| value.get("id")?.as_u64())
                .unwrap_or(0);
            return reply(id, Some(&format!("not a command of the panel: {err}")));
        }
    };
    let (id, done) = match command {
        Command::Output { id, device, feature, output, value } => {
            (id, set_output(client, device, feature, output, value).await)
        }
        Command::Scan { id, scanning: true } => (id, client.start_scanning().await.map_err(why)),
        Command::Scan { id, scanning: false } => (id, client.stop_scanning().await.map_err(why)),
        Command::StopDevice { id, device } => match client.device(device) {
            Some(device) => (id, device.stop().await.map_err(why)),
            None => (id, Err(format!("no device is connected at index {device}"))),
        },
        Command::StopAll { id } => (id, client.stop().await.map_err(why)),
    };
    reply(id, done.err().as_deref())
}

async fn set_output(
    client: &Client,
    device: u32,
    feature: u32,
    output: OutputType,
    value: i64,
) -> Result<(), String> {
    let found =
        client.device(device).ok_or_else(|| format!("no device is connected at index {device}"))?;
    let feature = found
        .feature(feature)
        .ok_or_else(|| format!("device {device} has no feature {feature}"))?;
    let level = Level::Steps(value);
    let done = match output {
        OutputType::HwPositionWithDuration => {
            feature.position_with_duration(level, POSITION_DURATION).await
        }
        output => feature.output(output, level).await,
    };
    done.map_err(why)
}

fn why(err: ClientError) -> String {
    err.to_string()
}

fn reply(id: u64, error: Option<&str>) -> String {
    json!({"type": "reply", "id": id, "error": error}).to_string()
}
