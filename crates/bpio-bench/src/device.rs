//! A fake Lovense Hush that connects to a server's device websocket port.
//!
//! The wire is the one every device websocket server speaks: a first text frame naming the
//! device, `{"identifier": …, "address": …, "version": …}`, then binary frames both ways. The
//! firmware answers as a Lovense toy does (`DeviceType;` with its model, `Battery;` with a level,
//! any other command with `OK;`), so the server identifies it through the `lovense` protocol. Every
//! command the server writes is recorded with the time its frame was read.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::client;

/// The identifier the fake devices send; the user config maps it to the `lovense` protocol.
pub const IDENTIFIER: &str = "bpio-bench-device";

/// What a Lovense Hush answers to `DeviceType;`: model `Z`, firmware 11, a made-up MAC.
pub const DEVICE_TYPE_ANSWER: &str = "Z:11:0082059AD3BD;";

/// One command the server wrote to the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// When the frame carrying it was read.
    pub at: Instant,
    /// The command without its `;`, e.g. `Vibrate:5`.
    pub command: String,
}

/// A connected fake device; dropping it drops the TCP connection, as a device losing power does,
/// and [`FakeDevice::close`] says goodbye with a websocket close frame.
#[derive(Debug)]
pub struct FakeDevice {
    writes: mpsc::UnboundedReceiver<Write>,
    close: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// The firmware's answer to one command (given without its `;`).
pub fn answer(command: &str) -> &'static str {
    match command {
        "DeviceType" => DEVICE_TYPE_ANSWER,
        "Battery" => "85;",
        _ => "OK;",
    }
}

/// What a device does with a frame from the server.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// Commands to record, each with the frame that answers it.
    Commands(Vec<(String, Message)>),
    /// A ping: tungstenite queues the pong, and a flush sends it now rather than with the next
    /// answer, so an idle device still passes the server's keep-alive.
    Ping,
    /// The server closes the connection.
    Close,
    /// Nothing to do.
    Other,
}

/// Reads `frame` as the firmware does: each `;`-terminated command and its answer.
pub(crate) fn firmware(frame: &Message) -> Frame {
    let bytes = match frame {
        Message::Binary(bytes) => bytes.as_ref(),
        Message::Text(text) => text.as_bytes(),
        Message::Ping(_) => return Frame::Ping,
        Message::Close(_) => return Frame::Close,
        _ => return Frame::Other,
    };
    let text = String::from_utf8_lossy(bytes);
    Frame::Commands(
        text.split_terminator(';')
            .map(|command| {
                (command.to_owned(), Message::binary(answer(command).as_bytes().to_vec()))
            })
            .collect(),
    )
}

impl FakeDevice {
    /// Connects to the device websocket server at `url` and names itself with `address`.
    pub async fn connect(url: &str, address: &str) -> Result<Self> {
        let mut socket = client::open(url).await.context("connecting the fake device")?;
        let hello = json!({"identifier": IDENTIFIER, "address": address, "version": 1});
        socket.send(Message::text(hello.to_string())).await.context("sending the device hello")?;
        let (writes_tx, writes) = mpsc::unbounded_channel();
        let (close, mut close_rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            loop {
                let frame = tokio::select! {
                    frame = socket.next() => frame,
                    _ = &mut close_rx => {
                        let _ = tokio::time::timeout(client::PATIENCE, socket.close(None)).await;
                        return;
                    }
                };
                let Some(Ok(frame)) = frame else { return };
                let at = Instant::now();
                let commands = match firmware(&frame) {
                    Frame::Commands(commands) => commands,
                    Frame::Ping => {
                        let _ = socket.flush().await;
                        continue;
                    }
                    Frame::Close => return,
                    Frame::Other => continue,
                };
                for (command, reply) in commands {
                    let _ = writes_tx.send(Write { at, command });
                    if socket.send(reply).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Self { writes, close: Some(close), task })
    }

    /// Closes the connection with a websocket close frame and waits (briefly) for it to end.
    pub async fn close(mut self) {
        if let Some(close) = self.close.take() {
            let _ = close.send(());
        }
        let _ = tokio::time::timeout(client::PATIENCE, &mut self.task).await;
    }

    /// Waits up to `timeout` for a write at or after `after` whose command is `command`;
    /// earlier writes and other commands are consumed. Returns when it arrived.
    pub async fn wait_for(
        &mut self,
        command: &str,
        after: Instant,
        timeout: Duration,
    ) -> Option<Instant> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let write = tokio::time::timeout_at(deadline, self.writes.recv()).await.ok()??;
            if write.at >= after && write.command == command {
                return Some(write.at);
            }
        }
    }

    /// Every write recorded and not consumed yet.
    pub fn take_writes(&mut self) -> Vec<Write> {
        let mut writes = Vec::new();
        while let Ok(write) = self.writes.try_recv() {
            writes.push(write);
        }
        writes
    }
}

impl Drop for FakeDevice {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_firmware_answers_like_a_lovense_hush() {
        assert_eq!(answer("DeviceType"), "Z:11:0082059AD3BD;");
        assert_eq!(answer("Battery"), "85;");
        assert_eq!(answer("Vibrate:5"), "OK;");
    }

    #[test]
    fn a_frame_of_commands_is_split_and_each_answered() {
        let Frame::Commands(commands) = firmware(&Message::binary(&b"Battery;Vibrate:3;"[..]))
        else {
            panic!("not read as commands");
        };
        let commands: Vec<(&str, &Message)> =
            commands.iter().map(|(command, reply)| (command.as_str(), reply)).collect();
        assert_eq!(
            commands,
            [
                ("Battery", &Message::binary(&b"85;"[..])),
                ("Vibrate:3", &Message::binary(&b"OK;"[..]))
            ]
        );
        assert_eq!(firmware(&Message::Ping(Vec::new().into())), Frame::Ping);
        assert_eq!(firmware(&Message::Close(None)), Frame::Close);
    }
}
