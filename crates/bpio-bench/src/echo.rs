//! The echo baseline: a bare websocket server that answers every message with `Ok`.
//!
//! It parses each frame with the same parser a server needs anyway and sends one reply frame per
//! frame, so measuring it with the client code that measures a real server gives the floor for a
//! loopback round trip on this machine: websocket, JSON and scheduling, and no server logic.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use bpio_protocol::v4::{self, ClientMessage, ServerMessage};
use bpio_protocol::{MessageSet, parse_frame, serialize_frame};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

use crate::client;

/// Binds `address` (port 0 picks a free port).
pub async fn bind(address: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("binding the echo server to {address}"))
}

/// Serves every connection on `listener`, each in its own task, until the task is dropped.
pub async fn serve(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(answer_all(stream));
    }
}

/// The reply to one frame: `Ok` for each message, `Error` for what could not be parsed.
pub fn replies(frame: &[u8]) -> String {
    let replies: Vec<ServerMessage> = parse_frame::<ClientMessage>(frame)
        .into_iter()
        .map(|message| match message {
            Ok(message) => v4::Ok { id: message.id() }.into(),
            Err(err) => {
                v4::Error { id: err.id, error_code: err.code(), error_message: err.to_string() }
                    .into()
            }
        })
        .collect();
    serialize_frame(&replies)
}

async fn answer_all(stream: TcpStream) {
    // As every server measured here does: no Nagle delay on small replies.
    let _ = stream.set_nodelay(true);
    let accept = tokio_tungstenite::accept_async_with_config(stream, Some(client::ws_config()));
    let Ok(mut socket) = accept.await else { return };
    while let Some(Ok(frame)) = socket.next().await {
        let reply = match &frame {
            Message::Text(text) => replies(text.as_bytes()),
            Message::Close(_) => break,
            _ => continue,
        };
        if socket.send(Message::text(reply)).await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_of_a_frame_gets_ok_and_garbage_gets_an_error() {
        assert_eq!(
            replies(br#"[{"Ping":{"Id":7}},{"StopCmd":{"Id":8}}]"#),
            r#"[{"Ok":{"Id":7}},{"Ok":{"Id":8}}]"#
        );
        let garbage = replies(b"not json");
        assert!(garbage.starts_with(r#"[{"Error":{"Id":0,"ErrorCode":3"#), "{garbage}");
    }
}
