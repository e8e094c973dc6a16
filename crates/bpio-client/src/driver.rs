//! The task that owns the connection: it sends requests, matches replies, keeps the device list,
//! routes events and pings.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use bpio_protocol::v4::{self, ServerMessage};
use bpio_protocol::{MessageSet, ParseError, parse_frame, serialize_frame};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Interval, MissedTickBehavior};
use tracing::{debug, warn};

use crate::client::{Client, Inner, Request, Shared, lock};
use crate::command::{Command, unexpected};
use crate::connector::ServerLink;
use crate::device::Device;
use crate::diff::diff;
use crate::error::{ConnectorError, Error};
use crate::event::Event;
use crate::pending::Pending;

/// Who waits for a reply.
enum Waiter {
    /// A caller.
    Caller(oneshot::Sender<Result<ServerMessage, Error>>),
    /// The driver's own keep-alive ping.
    KeepAlive,
    /// Nobody (a request sent when a handle was dropped).
    Detached,
}

/// Everything that can wake the driver.
enum Input {
    /// A request from a handle; `None` when every handle is gone.
    Request(Option<Request>),
    /// A transmission from the server; `None` when the connection ended.
    Received(Option<Vec<u8>>),
    /// Time for a keep-alive ping.
    PingDue,
    /// A request's deadline passed.
    Deadline,
}

pub(crate) struct Driver<L> {
    link: L,
    pending: Pending<Waiter>,
    shared: Arc<Mutex<Shared>>,
    /// Weak, so that the driver alone does not keep the connection open.
    client: Weak<Inner>,
    timeout: Duration,
    keepalive: Option<Interval>,
    /// Held until the driver ends, so whoever asked to close learns when it is done.
    close_done: Option<oneshot::Sender<()>>,
    /// A `Disconnect` was sent: the server closing the connection is expected, not news.
    disconnecting: bool,
}

impl<L: ServerLink> Driver<L> {
    pub(crate) fn new(
        link: L,
        shared: Arc<Mutex<Shared>>,
        client: Weak<Inner>,
        timeout: Duration,
    ) -> Self {
        Self {
            link,
            pending: Pending::new(),
            shared,
            client,
            timeout,
            keepalive: None,
            close_done: None,
            disconnecting: false,
        }
    }

    pub(crate) async fn run(mut self, mut requests: mpsc::UnboundedReceiver<Request>) {
        loop {
            let input = self.next_input(&mut requests).await;
            if !self.handle_input(input) {
                break;
            }
        }
        self.finish();
    }

    async fn next_input(&mut self, requests: &mut mpsc::UnboundedReceiver<Request>) -> Input {
        let deadline = self.pending.poll_timeout().map(tokio::time::Instant::from_std);
        tokio::select! {
            request = requests.recv() => Input::Request(request),
            received = self.link.recv() => Input::Received(received),
            () = tick(self.keepalive.as_mut()) => Input::PingDue,
            () = sleep_until(deadline) => Input::Deadline,
        }
    }

    /// Handles one input; false when the driver is to stop.
    fn handle_input(&mut self, input: Input) -> bool {
        match input {
            Input::Request(Some(Request::Call { command, reply })) => {
                self.send(command, reply.map_or(Waiter::Detached, Waiter::Caller));
            }
            Input::Request(Some(Request::KeepAlive(every))) => {
                let mut interval =
                    tokio::time::interval_at(tokio::time::Instant::now() + every, every);
                interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
                self.keepalive = Some(interval);
            }
            Input::Request(Some(Request::Close { done })) => {
                self.close_done = Some(done);
                self.link.close();
                return false;
            }
            Input::Request(None) => {
                debug!("every client handle is gone; closing the connection");
                self.link.close();
                return false;
            }
            Input::Received(Some(bytes)) => self.handle_transmission(&bytes),
            Input::Received(None) => {
                debug!("the server closed the connection");
                if !self.disconnecting {
                    self.emit(Event::ServerDisconnect);
                }
                return false;
            }
            Input::PingDue => self.send(Command::Ping, Waiter::KeepAlive),
            Input::Deadline => {
                for waiter in self.pending.handle_timeout(now()) {
                    self.resolve(waiter, Err(Error::Timeout(self.timeout)));
                }
            }
        }
        true
    }

    fn send(&mut self, command: Command, waiter: Waiter) {
        self.disconnecting |= command == Command::Disconnect;
        let id = self.pending.insert(now() + self.timeout, waiter);
        let text = serialize_frame(&[command.into_message(id)]);
        if self.link.send(text).is_err() {
            // The connection is gone; its end arrives through `recv` and fails the rest.
            if let Some(waiter) = self.pending.take(id.get()) {
                self.resolve(waiter, Err(ConnectorError::Closed.into()));
            }
        }
    }

    fn handle_transmission(&mut self, bytes: &[u8]) {
        for result in parse_frame::<ServerMessage>(bytes) {
            match result {
                Ok(message) => self.handle_message(message),
                Err(err) => self.handle_unreadable(err),
            }
        }
    }

    fn handle_message(&mut self, message: ServerMessage) {
        if let ServerMessage::DeviceList(list) = &message {
            self.update_devices(&list.devices);
        }
        let id = message.id();
        if id != 0 {
            match self.pending.take(id) {
                Some(waiter) => {
                    let reply = match message {
                        ServerMessage::Error(error) => Err(Error::from_server(error)),
                        other => Ok(other),
                    };
                    self.resolve(waiter, reply);
                }
                None => warn!(id, message = message.name(), "reply to no outstanding request"),
            }
            return;
        }
        match message {
            // Already applied above.
            ServerMessage::DeviceList(_) => {}
            ServerMessage::ScanningFinished(_) => self.emit(Event::ScanningFinished),
            ServerMessage::InputReading(reading) => self.route_reading(reading),
            ServerMessage::Error(error) => self.emit(Event::Error(Error::from_server(error))),
            other @ (ServerMessage::Ok(_) | ServerMessage::ServerInfo(_)) => {
                self.emit(Event::Error(unexpected("an event", &other)));
            }
        }
    }

    /// A message that could not be read fails the request it names, if any; otherwise it is
    /// reported as an event.
    fn handle_unreadable(&mut self, err: ParseError) {
        warn!(cause = %err, "unreadable message from the server");
        match self.pending.take(err.id) {
            Some(waiter) => self.resolve(waiter, Err(err.into())),
            None => self.emit(Event::Error(err.into())),
        }
    }

    fn resolve(&mut self, waiter: Waiter, reply: Result<ServerMessage, Error>) {
        match (waiter, reply) {
            (Waiter::Caller(caller), reply) => {
                // The caller may have stopped waiting; nothing to do then.
                let _ = caller.send(reply);
            }
            (Waiter::KeepAlive, Ok(ServerMessage::Ok(_))) => {}
            (Waiter::KeepAlive, Ok(other)) => self.emit(Event::Error(unexpected("Ok", &other))),
            (Waiter::KeepAlive, Err(err)) => self.emit(Event::Error(err)),
            (Waiter::Detached, Ok(_)) => {}
            (Waiter::Detached, Err(err)) => debug!(cause = %err, "a detached request failed"),
        }
    }

    /// Takes a complete device list: devices removed (their subscriptions end) and added come out
    /// as events.
    fn update_devices(&mut self, devices: &BTreeMap<u32, v4::Device>) {
        let client = self.client.upgrade().map(|inner| Client { inner });
        let new: BTreeMap<u32, Arc<v4::Device>> =
            devices.iter().map(|(index, device)| (*index, Arc::new(device.clone()))).collect();
        let mut shared = lock(&self.shared);
        let old = std::mem::replace(&mut shared.devices, new);
        let (removed, added) = diff(&old, &shared.devices);
        let removed: Vec<Arc<v4::Device>> = removed.into_iter().cloned().collect();
        let added: Vec<Arc<v4::Device>> = added.into_iter().cloned().collect();
        for device in &removed {
            shared.end_subscriptions(|(index, _, _)| *index == device.device_index);
        }
        let Some(client) = client else { return };
        for device in removed {
            debug!(index = device.device_index, "device removed");
            shared.emit(&Event::DeviceRemoved(Device::new(client.clone(), device)));
        }
        for device in added {
            debug!(index = device.device_index, "device added");
            shared.emit(&Event::DeviceAdded(Device::new(client.clone(), device)));
        }
    }

    fn route_reading(&mut self, reading: v4::InputReading) {
        let (device, feature) = (reading.device_index, reading.feature_index);
        let mut shared = lock(&self.shared);
        let key = (device, feature, reading.reading.input_type());
        if let Some(streams) = shared.subscriptions.get_mut(&key) {
            streams.retain(|(_, stream)| stream.send(reading.reading).is_ok());
        }
        shared.emit(&Event::InputReading { device, feature, reading: reading.reading });
    }

    fn emit(&self, event: Event) {
        lock(&self.shared).emit(&event);
    }

    /// The connection is over: every request still waiting fails, devices and subscriptions are
    /// gone, and event streams end.
    fn finish(mut self) {
        for waiter in self.pending.drain() {
            self.resolve(waiter, Err(ConnectorError::Closed.into()));
        }
        let mut shared = lock(&self.shared);
        shared.connected = false;
        shared.devices.clear();
        shared.subscriptions.clear();
        shared.listeners.clear();
    }
}

/// The driver's clock, which tests can pause and advance.
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

async fn tick(interval: Option<&mut Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
