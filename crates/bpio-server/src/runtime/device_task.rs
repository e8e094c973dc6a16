//! One connected device: its handshake, output schedule, reads and subscriptions.
//!
//! Each device runs in its own task, so a slow or stuck device only ever delays itself. The task
//! owns the device's `ProtocolDevice` (pure encoding) and `DeviceScheduler` (timing gap) and is
//! the only writer to its hardware.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use bpio_device_protocols::{HwOutput, Keepalive, KeepaliveWhen, ProtocolDevice, ReplyWait, Step};
use bpio_hardware::{Endpoint, EventSink, Hardware, HardwareCommand, HardwareEvent};
use bpio_protocol::v4;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, trace, warn};

use super::observe::{self, Observation, Observers};
use super::route::{DeviceEvent, Queued, Routes};
use crate::error::Error;
use crate::index::{DeviceIndex, FeatureIndex};
use crate::owners::{self, Owners, Release, SessionId};
use crate::request::{DeviceRequest, ReadToken};
use crate::scheduler::{DeviceScheduler, Dispatch};

/// How long a handshake step may wait for the device when the protocol names no timeout.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// Requests a device task takes up before it writes what they asked for.
const TAKE_UP_AT_ONCE: usize = 64;

/// What a device task tells the hub about its own life; its events go to the sessions directly.
#[derive(Debug)]
pub(super) enum DeviceReport {
    /// Init is done: the device can be listed.
    Ready {
        index: u32,
        advertised: Box<v4::Device>,
    },
    Gone {
        index: u32,
    },
}

/// Runs the identification and init steps of `device` against `hardware`, feeding it the
/// notifications that arrive on `events`. Returns when the protocol says `Done`.
pub(super) async fn handshake(
    device: &mut ProtocolDevice,
    hardware: &dyn Hardware,
    events: &mut mpsc::UnboundedReceiver<HardwareEvent>,
) -> Result<(), Error> {
    loop {
        match device.poll_step()? {
            Step::Done => return Ok(()),
            Step::Command(command) => {
                let endpoint = command.endpoint();
                let result = tokio::time::timeout(COMMAND_TIMEOUT, hardware.execute(&command))
                    .await
                    .map_err(|_| Error::NoAnswer(endpoint))??;
                if let Some(bytes) = result {
                    device.handle_step_data(endpoint, &bytes)?;
                }
            }
            Step::Await { endpoint, timeout } => {
                let deadline = Instant::now() + timeout;
                loop {
                    match tokio::time::timeout_at(deadline, events.recv()).await {
                        Ok(Some(HardwareEvent::Notification { endpoint: from, data })) => {
                            if from == endpoint {
                                device.handle_step_data(from, &data)?;
                                break;
                            }
                        }
                        Ok(Some(HardwareEvent::Disconnected) | None) => {
                            return Err(Error::DisconnectedInHandshake);
                        }
                        Err(_) => {
                            device.handle_step_timeout()?;
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// The keep-alive `device` is sent over `hardware`, if any: some protocols always need one,
/// others only on backends that drop a silent connection.
pub(super) fn keepalive(device: &ProtocolDevice, hardware: &dyn Hardware) -> Option<Keepalive> {
    device.keepalive().filter(|k| match k.when {
        KeepaliveWhen::Always => true,
        KeepaliveWhen::BackendRequires => hardware.requires_keepalive(),
    })
}

/// A read waiting for a notification.
struct PendingRead {
    /// The session that asked, the only one told the reading.
    from: SessionId,
    token: ReadToken,
    feature: u32,
    input: v4::InputType,
    endpoint: Endpoint,
    deadline: Instant,
}

/// A running device.
pub(super) struct DeviceTask {
    pub(super) index: u32,
    /// The device as clients see it, once listed.
    pub(super) listed: v4::Device,
    pub(super) device: ProtocolDevice,
    pub(super) hardware: Arc<dyn Hardware>,
    pub(super) gap: Duration,
    pub(super) requests: mpsc::UnboundedReceiver<Queued>,
    pub(super) events: mpsc::UnboundedReceiver<HardwareEvent>,
    /// The hub, told when the device is ready and when it is gone.
    pub(super) reports: EventSink<DeviceReport>,
    /// Where readings go: the sessions that asked for them.
    pub(super) routes: Arc<Routes>,
    /// Told of every output the device takes up, and of what each stop sets to 0.
    pub(super) observers: Observers,
    /// A hardware operation did not complete in time: the device is dropped (and may be found
    /// again), so later commands get a clear error instead of waiting behind it.
    pub(super) unresponsive: bool,
    /// Which session owns which output, so a session's end stops only its own
    /// (docs/PROTOCOL.md 14).
    pub(super) owners: Owners,
    /// Which sessions subscribed to which input: the hardware is subscribed while any is
    /// (docs/PROTOCOL.md 14.6).
    pub(super) subscribers: BTreeMap<(u32, v4::InputType), BTreeSet<SessionId>>,
}

impl DeviceTask {
    /// Runs the init steps, reports the device ready to be listed, then serves it until it
    /// disconnects or its request channel closes.
    pub(super) async fn run(mut self) {
        if let Err(why) =
            handshake(&mut self.device, self.hardware.as_ref(), &mut self.events).await
        {
            warn!(device = self.index, cause = %why, "device init failed");
            let _ = self.hardware.disconnect().await;
            let _ = self.reports.send(DeviceReport::Gone { index: self.index });
            return;
        }
        let advertised = Box::new(self.listed.clone());
        let _ = self.reports.send(DeviceReport::Ready { index: self.index, advertised });
        self.serve().await;
    }

    async fn serve(mut self) {
        let keepalive = keepalive(&self.device, self.hardware.as_ref());
        // The interval is fixed here; what a keep-alive sends is asked for when one is due, as
        // it may repeat what the protocol last sent.
        let mut scheduler: DeviceScheduler<HwOutput> =
            DeviceScheduler::new(self.gap, keepalive.map(|k| k.interval));
        scheduler.handle_connected(Instant::now().into_std());
        let mut reads: Vec<PendingRead> = Vec::new();
        let mut protocol_timer = self.device.poll_timer().map(|after| Instant::now() + after);
        loop {
            self.drain(&mut scheduler).await;
            if self.unresponsive {
                warn!(device = self.index, "the device stopped answering; dropping it");
                // Bounded too: hardware that hangs may hang its disconnect as well.
                let _ = tokio::time::timeout(COMMAND_TIMEOUT, self.hardware.disconnect()).await;
                break;
            }
            // An output may have started something the protocol paces itself (a stroker's
            // movement in steps): arm its timer when it asks for one.
            if protocol_timer.is_none() {
                protocol_timer = self.device.poll_timer().map(|after| Instant::now() + after);
            }
            let next = [
                scheduler.poll_timeout().map(Instant::from_std),
                reads.iter().map(|r| r.deadline).min(),
                protocol_timer,
            ]
            .into_iter()
            .flatten()
            .min();
            tokio::select! {
                queued = self.requests.recv() => {
                    let Some(queued) = queued else { break };
                    self.take_up(queued, &mut scheduler, &mut reads).await;
                    self.take_up_waiting(TAKE_UP_AT_ONCE - 1, &mut scheduler, &mut reads).await;
                }
                event = self.events.recv() => match event {
                    Some(HardwareEvent::Notification { endpoint, data }) => {
                        self.handle_notification(endpoint, &data, &mut reads);
                    }
                    Some(HardwareEvent::Disconnected) | None => break,
                },
                () = sleep_until(next, scheduler.has_pending()) => {
                    // Commands that came in meanwhile go out with the held ones, newest first.
                    self.take_up_waiting(TAKE_UP_AT_ONCE, &mut scheduler, &mut reads).await;
                    let now = Instant::now();
                    scheduler.handle_timeout(now.into_std());
                    for read in extract(&mut reads, |read| read.deadline <= now) {
                        self.report_read(read.from, read.token, Err(Error::ReadTimedOut));
                    }
                    if protocol_timer.is_some_and(|due| due <= now) {
                        let commands = self.device.handle_timer();
                        if !commands.is_empty() {
                            scheduler.handle_written(now.into_std());
                        }
                        self.unresponsive |= !execute_all(self.index, self.hardware.as_ref(), &commands).await;
                        protocol_timer = self.device.poll_timer().map(|after| now + after);
                    }
                }
            }
        }
        scheduler.handle_disconnect();
        for read in reads {
            self.report_read(read.from, read.token, Err(Error::Disconnected));
        }
        let _ = self.reports.send(DeviceReport::Gone { index: self.index });
    }

    /// Takes up at most `limit` requests that are already waiting, without writing what they
    /// ask for yet: outputs the driver has not written merge in the scheduler, so a burst costs
    /// the device one write of the newest values, and a stop is not queued behind stale writes.
    async fn take_up_waiting(
        &mut self,
        limit: usize,
        scheduler: &mut DeviceScheduler<HwOutput>,
        reads: &mut Vec<PendingRead>,
    ) {
        for _ in 0..limit {
            let Ok(queued) = self.requests.try_recv() else { break };
            self.take_up(queued, scheduler, reads).await;
        }
    }

    async fn take_up(
        &mut self,
        Queued { request, from, ticket, written }: Queued,
        scheduler: &mut DeviceScheduler<HwOutput>,
        reads: &mut Vec<PendingRead>,
    ) {
        drop(ticket);
        if written.is_some() {
            // Whatever was held goes out before the stop, as with any request that waits.
            self.drain(scheduler).await;
        }
        self.handle_request(request, from, scheduler, reads).await;
        if let Some(written) = written {
            self.drain(scheduler).await;
            let _ = written.send(());
        }
    }

    async fn handle_request(
        &mut self,
        request: DeviceRequest,
        from: SessionId,
        scheduler: &mut DeviceScheduler<HwOutput>,
        reads: &mut Vec<PendingRead>,
    ) {
        if !matches!(
            request,
            DeviceRequest::Output { .. } | DeviceRequest::Stop { .. } | DeviceRequest::SessionEnded
        ) {
            // Reads and subscriptions go to the hardware directly: outputs taken up before them
            // are written first, in the order the client sent them.
            self.drain(scheduler).await;
        }
        let now = Instant::now().into_std();
        match request {
            DeviceRequest::Output { commands } => {
                let mut batch = Vec::with_capacity(commands.len());
                let watched = self.observers.watched();
                for (feature, command) in commands {
                    let feature = feature.get();
                    match self.device.client_output(feature, &command) {
                        Ok(output) => {
                            self.owners.handle_output(from, feature, owners::is_running(&command));
                            if watched {
                                self.observers.tell(observe::output(self.index, feature, &command));
                            }
                            batch.push((feature, output));
                        }
                        // The session validated it against the same features; this is our bug.
                        Err(err) => warn!(device = self.index, cause = %err, "output refused"),
                    }
                }
                let outcome = scheduler.handle_commands(now, batch);
                trace!(device = self.index, ?outcome, "output");
            }
            DeviceRequest::Stop { feature } => {
                // Whoever owned it, a stop stops it (docs/PROTOCOL.md 14.5).
                self.stop(now, from, feature.map(FeatureIndex::get), scheduler);
            }
            DeviceRequest::SessionEnded => {
                // Only what the session owns, so others' outputs get no stop bytes
                // (docs/PROTOCOL.md 14.4).
                let release = self.owners.handle_session_end(from);
                debug!(device = self.index, session = %from, ?release, "session ended");
                match release {
                    Release::Nothing => {}
                    Release::Features(features) => {
                        for feature in features {
                            self.stop(now, from, Some(feature), scheduler);
                        }
                    }
                    Release::Device => self.stop(now, from, None, scheduler),
                }
            }
            DeviceRequest::Read { token, feature, input } => {
                let feature = feature.get();
                let plan =
                    match self.device.handle_input(feature, input, v4::InputCommandType::Read) {
                        Ok(plan) => plan,
                        Err(err) => {
                            return self.report_read(from, token, Err(err.into()));
                        }
                    };
                let mut last_read = None;
                for command in &plan.commands {
                    let done =
                        tokio::time::timeout(patience(command), self.hardware.execute(command));
                    match done.await {
                        Ok(Ok(bytes)) => last_read = bytes.map(|bytes| (command.endpoint(), bytes)),
                        Ok(Err(err)) => return self.report_read(from, token, Err(err.into())),
                        Err(_) => {
                            self.unresponsive = true;
                            return self.report_read(from, token, Err(Error::Unresponsive));
                        }
                    }
                }
                match plan.reply {
                    Some(ReplyWait::ReadResult) => {
                        let reading = last_read.and_then(|(endpoint, bytes)| {
                            self.device.handle_read_data(feature, input, endpoint, &bytes)
                        });
                        if let Some(reading) = reading {
                            self.observe_reading(feature, reading);
                        }
                        self.report_read(from, token, reading.ok_or(Error::NoReading));
                    }
                    Some(ReplyWait::Notification { endpoint, timeout }) => {
                        reads.push(PendingRead {
                            from,
                            token,
                            feature,
                            input,
                            endpoint,
                            deadline: Instant::now() + timeout,
                        });
                    }
                    None => self.report_read(from, token, Err(Error::NotReadable)),
                }
            }
            DeviceRequest::Subscribe { feature, input } => {
                let subscribers = self.subscribers.entry((feature.get(), input)).or_default();
                subscribers.insert(from);
                // The device knows it is subscribed already, and then sends nothing.
                self.hardware_input(feature.get(), input, v4::InputCommandType::Subscribe).await;
            }
            DeviceRequest::Unsubscribe { feature, input } => {
                self.unsubscribe(from, |key| key == (feature.get(), input)).await;
            }
            DeviceRequest::StopInputs { feature } => {
                self.unsubscribe(from, |(of, _)| feature.is_none_or(|f| f.get() == of)).await;
            }
        }
    }

    /// Ends the subscriptions of `session` that `selected` picks; the hardware stops sending
    /// an input once no session is subscribed to it.
    async fn unsubscribe(
        &mut self,
        session: SessionId,
        selected: impl Fn((u32, v4::InputType)) -> bool,
    ) {
        let mut ended = Vec::new();
        self.subscribers.retain(|key, subscribers| {
            if selected(*key) && subscribers.remove(&session) && subscribers.is_empty() {
                ended.push(*key);
            }
            !subscribers.is_empty()
        });
        for (feature, input) in ended {
            self.hardware_input(feature, input, v4::InputCommandType::Unsubscribe).await;
        }
    }

    /// Sends what the protocol needs to subscribe to or unsubscribe from an input.
    async fn hardware_input(
        &mut self,
        feature: u32,
        input: v4::InputType,
        command: v4::InputCommandType,
    ) {
        match self.device.handle_input(feature, input, command) {
            Ok(plan) => {
                self.unresponsive |=
                    !execute_all(self.index, self.hardware.as_ref(), &plan.commands).await;
            }
            Err(err) => warn!(device = self.index, cause = %err, "input command refused"),
        }
    }

    /// Stops `feature`, or every feature when `None`, at once for `from`: the stop bypasses the
    /// gap and drops held output for what it selects, and nobody owns it any more.
    fn stop(
        &mut self,
        now: std::time::Instant,
        from: SessionId,
        feature: Option<u32>,
        scheduler: &mut DeviceScheduler<HwOutput>,
    ) {
        self.owners.handle_stop(feature);
        // Watchers see what sessions do; the server's own stop at shutdown comes after the
        // sessions' ends have set everything they ran to 0.
        if from != Routes::SERVER && self.observers.watched() {
            observe::stops(&self.listed, feature).into_iter().for_each(|o| self.observers.tell(o));
        }
        let stops = self.device.stop_outputs(feature);
        scheduler.handle_stop(now, feature, stops);
    }

    fn handle_notification(
        &mut self,
        endpoint: Endpoint,
        data: &[u8],
        reads: &mut Vec<PendingRead>,
    ) {
        let answered: Vec<(SessionId, ReadToken, u32, v4::Reading)> = {
            let device = &mut self.device;
            let mut answered = Vec::new();
            reads.retain(|read| {
                if read.endpoint != endpoint {
                    return true;
                }
                match device.handle_read_data(read.feature, read.input, endpoint, data) {
                    Some(reading) => {
                        answered.push((read.from, read.token, read.feature, reading));
                        false
                    }
                    None => true,
                }
            });
            answered
        };
        for (from, token, feature, reading) in answered {
            self.observe_reading(feature, reading);
            self.report_read(from, token, Ok(reading));
        }
        for (feature, reading) in self.device.handle_notification(endpoint, data) {
            self.observe_reading(feature, reading);
            let Some(subscribers) = self.subscribers.get(&(feature, reading.input_type())) else {
                continue;
            };
            let (device, feature) = (DeviceIndex::new(self.index), FeatureIndex::new(feature));
            // Every subscribed session gets the reading (docs/PROTOCOL.md 14.6).
            for session in subscribers {
                let event = DeviceEvent::Input { device, feature, reading };
                self.routes.tell(*session, event);
            }
        }
    }

    /// Sends everything the scheduler has queued.
    async fn drain(&mut self, scheduler: &mut DeviceScheduler<HwOutput>) {
        while let Some(dispatch) = scheduler.poll_transmit() {
            if self.unresponsive {
                return;
            }
            let commands = match dispatch {
                Dispatch::Commands(batch) => self.device.handle_outputs(&batch),
                Dispatch::Stop(batch) => self.device.handle_stop(&batch),
                // Asked when due: the keep-alive may carry the device's current state.
                Dispatch::Keepalive => Ok(self.device.handle_keepalive()),
            };
            match commands {
                Ok(commands) => {
                    self.unresponsive |=
                        !execute_all(self.index, self.hardware.as_ref(), &commands).await;
                }
                Err(err) => warn!(device = self.index, cause = %err, "cannot encode output"),
            }
        }
    }

    /// Tells the watchers of a reading of `feature`.
    fn observe_reading(&self, feature: u32, reading: v4::Reading) {
        if self.observers.watched() {
            let device = self.index;
            self.observers.tell(Observation::Input { device, feature, reading });
        }
    }

    fn report_read(&self, to: SessionId, token: ReadToken, result: Result<v4::Reading, Error>) {
        self.routes.tell(to, DeviceEvent::Reading { token, result });
    }
}

/// A free function, so the future borrows only the hardware (which is `Sync`), not the task.
/// Returns `false` when a command did not complete in time (the device stopped answering);
/// the rest are not attempted.
async fn execute_all(index: u32, hardware: &dyn Hardware, commands: &[HardwareCommand]) -> bool {
    for command in commands {
        trace!(device = index, endpoint = %command.endpoint(), "hardware command");
        match tokio::time::timeout(patience(command), hardware.execute(command)).await {
            Ok(Ok(_)) => {}
            // The reply went out at acceptance; a failed write is logged (docs/PROTOCOL.md 6.12).
            Ok(Err(err)) => debug!(device = index, cause = %err, "hardware command failed"),
            Err(_) => return false,
        }
    }
    true
}

/// How long a hardware command may take before the device counts as unresponsive: a read its
/// own timeout and then some, anything else [`COMMAND_TIMEOUT`].
fn patience(command: &HardwareCommand) -> Duration {
    match command {
        HardwareCommand::Read { timeout, .. } => *timeout + COMMAND_TIMEOUT,
        _ => COMMAND_TIMEOUT,
    }
}

fn extract<T>(items: &mut Vec<T>, take: impl Fn(&T) -> bool) -> Vec<T> {
    let (taken, kept) = std::mem::take(items).into_iter().partition(take);
    *items = kept;
    taken
}

/// Sleeps until `deadline`; `precisely` (a held command waits for its gap to end) to the
/// fraction of a millisecond, not to the next millisecond of tokio's timer.
async fn sleep_until(deadline: Option<Instant>, precisely: bool) {
    match deadline {
        Some(deadline) if precisely => super::precise::sleep_until(deadline).await,
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
