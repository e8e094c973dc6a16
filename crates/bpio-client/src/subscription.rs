//! The stream of one input subscription.

use std::pin::Pin;
use std::task::{Context, Poll};

use bpio_protocol::v4::{self, InputCommandType, InputType};
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::client::{Client, InputKey};
use crate::command::{Command, expect_ok};
use crate::error::Error;

/// The readings of a subscribed input, as a [`Stream`] or through [`Subscription::next`].
///
/// The stream ends when the subscription does: [`Subscription::unsubscribe`], a stop that covers
/// the feature, the device leaving, or the connection closing. Dropping it unsubscribes as well,
/// without waiting for the server's answer.
#[derive(Debug)]
pub struct Subscription {
    client: Client,
    key: InputKey,
    token: u64,
    readings: mpsc::UnboundedReceiver<v4::Reading>,
}

impl Subscription {
    pub(crate) fn new(
        client: Client,
        key: InputKey,
        token: u64,
        readings: mpsc::UnboundedReceiver<v4::Reading>,
    ) -> Self {
        Self { client, key, token, readings }
    }

    /// The device index.
    pub fn device(&self) -> u32 {
        self.key.0
    }

    /// The feature index.
    pub fn feature(&self) -> u32 {
        self.key.1
    }

    /// The input type.
    pub fn input_type(&self) -> InputType {
        self.key.2
    }

    /// The next reading; `None` once the subscription has ended.
    pub async fn next(&mut self) -> Option<v4::Reading> {
        self.readings.recv().await
    }

    /// Ends the subscription and waits for the server to confirm. Other streams on the same
    /// input keep the server subscription alive.
    pub async fn unsubscribe(mut self) -> Result<(), Error> {
        if !self.release() {
            return Ok(());
        }
        expect_ok(self.client.call(self.unsubscribe_command()).await?)
    }

    /// Unregisters the stream without telling the server (its subscribe failed).
    pub(crate) fn forget(&mut self) {
        self.release();
    }

    /// Unregisters this stream; true when it was the last one on its input, so the server's
    /// subscription is to end.
    fn release(&mut self) -> bool {
        let mut shared = self.client.shared();
        let Some(streams) = shared.subscriptions.get_mut(&self.key) else { return false };
        let Some(at) = streams.iter().position(|(token, _)| *token == self.token) else {
            return false;
        };
        streams.remove(at);
        if !streams.is_empty() {
            return false;
        }
        shared.subscriptions.remove(&self.key);
        shared.connected
    }

    fn unsubscribe_command(&self) -> Command {
        let (device, feature, input) = self.key;
        Command::Input { device, feature, input, command: InputCommandType::Unsubscribe }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.release() {
            self.client.send_detached(self.unsubscribe_command());
        }
    }
}

impl Stream for Subscription {
    type Item = v4::Reading;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<v4::Reading>> {
        self.get_mut().readings.poll_recv(cx)
    }
}
