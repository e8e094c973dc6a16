//! The task that owns the devices, and the handle sessions use to reach it.
//!
//! The hub runs the scan state of docs/PROTOCOL.md 11 across every hardware manager, admits found
//! devices (allow/deny, protocol match, connect, identify, resolve, init), gives each an index
//! (10.1), starts one task per device, enters it in the [`Routes`] that the handles send device
//! requests through, and publishes the device list whenever it changes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use bpio_device_config::DeviceConfig;
use bpio_device_protocols::{DeviceInfo, ProtocolDevice, registry};
use bpio_hardware::{
    Advertisement, EventSink, FoundDevice, HardwareEvent, HardwareManager, ManagerEvent, SinkClosed,
};
use bpio_protocol::v4;
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, info, warn};

use super::backlog::Backlog;
use super::device_task::{DeviceReport, DeviceTask, handshake, keepalive};
use super::list_text::ListEventText;
use super::observe::{Observation, ObservedDevice, Observer, Observers};
use super::records::{DEPARTED_KEPT, Key, Records};
use super::route::{DeviceEvent, Queued, Routes};
use crate::error::Error;
use crate::index::DeviceIndex;
use crate::owners::{Owners, SessionId};
use crate::request::DeviceRequest;
use crate::session::Action;

/// Builds one hardware manager around the sink it reports to.
pub type ManagerFactory =
    Box<dyn FnOnce(EventSink<ManagerEvent>) -> Arc<dyn HardwareManager> + Send>;

/// Everything that reaches the hub task. Requests for a device do not: they go to its task.
enum HubEvent {
    /// A session asks for a scan (docs/PROTOCOL.md 14.7).
    StartScanning(SessionId),
    /// A session no longer wants the scan.
    StopScanning(SessionId),
    Manager(usize, ManagerEvent),
    Device(DeviceReport),
    Ready(Box<ReadyDevice>),
    Failed {
        address: String,
    },
}

/// A device whose handshake is done, waiting for its index.
struct ReadyDevice {
    address: String,
    protocol: String,
    identifier: Option<String>,
    device: ProtocolDevice,
    hardware: Arc<dyn bpio_hardware::Hardware>,
    events: mpsc::UnboundedReceiver<HardwareEvent>,
    transport: bpio_hardware::Transport,
}

/// A cheap, cloneable handle to the device task.
#[derive(Clone)]
pub struct DeviceHub {
    inbox: mpsc::UnboundedSender<HubEvent>,
    routes: Arc<Routes>,
    list: watch::Receiver<v4::Devices>,
    backlog: Backlog,
    observers: Observers,
    list_text: Arc<ListEventText>,
}

impl std::fmt::Debug for DeviceHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceHub").finish_non_exhaustive()
    }
}

impl DeviceHub {
    /// Starts the device task with a device database and hardware managers. It runs until every
    /// handle is dropped.
    pub fn spawn(config: DeviceConfig, managers: Vec<ManagerFactory>) -> Self {
        let (inbox, inbox_rx) = mpsc::unbounded_channel();
        let (list_tx, list) = watch::channel(v4::Devices::default());
        let managers: Vec<Arc<dyn HardwareManager>> = managers
            .into_iter()
            .enumerate()
            .map(|(at, build)| {
                let hub = inbox.clone();
                build(EventSink::new(move |event| {
                    hub.send(HubEvent::Manager(at, event)).map_err(|_| SinkClosed)
                }))
            })
            .collect();
        let routes = Arc::new(Routes::default());
        let observers = Observers::new();
        let hub = Hub {
            routes: Arc::clone(&routes),
            config: Arc::new(config),
            managers,
            scan: Scan::Idle,
            askers: BTreeSet::new(),
            devices: BTreeMap::new(),
            connecting: BTreeMap::new(),
            starting: BTreeSet::new(),
            known: Records::new(DEPARTED_KEPT),
            list: list_tx,
            inbox: inbox.downgrade(),
            observers: observers.clone(),
        };
        tokio::spawn(hub.run(inbox_rx));
        let list_text = Arc::default();
        Self { inbox, routes, list, backlog: Backlog::default(), observers, list_text }
    }

    /// A watcher of what happens from now on: clients and devices that come and go, and the
    /// outputs clients set. It never slows the server: a watcher that falls behind is told how
    /// many observations it missed. The devices already connected are in [`Self::device_list`].
    pub fn observe(&self) -> Observer {
        self.observers.subscribe()
    }

    /// Tells the watchers what a session saw.
    pub(super) fn tell(&self, observation: Observation) {
        self.observers.tell(observation);
    }

    /// The connected devices as clients see them, updated on every change. Each change is a new
    /// list; the one a receiver holds is shared with every other receiver.
    pub fn device_list(&self) -> watch::Receiver<v4::Devices> {
        self.list.clone()
    }

    /// The frame of the v4 `DeviceList` event of `devices`, serialized once for every session
    /// that sends it.
    pub(super) fn list_event_frame(&self, devices: &v4::Devices) -> String {
        self.list_text.frame(devices)
    }

    /// Adds a session: device events meant for it arrive on the returned receiver. Returns the
    /// session's id, which it hands [`Self::act`] with everything it asks and
    /// [`Self::detach_session`] at its end. Any number of sessions may be attached at once.
    pub fn attach_session(&self) -> (SessionId, mpsc::UnboundedReceiver<DeviceEvent>) {
        let (events, events_rx) = mpsc::unbounded_channel();
        let id = self.routes.attach(events);
        (id, events_rx)
    }

    /// Removes session `id`: nothing is routed to it any more. Its end-of-session actions must
    /// have been handed to [`Self::act`] before.
    pub fn detach_session(&self, id: SessionId) {
        self.routes.detach(id);
    }

    /// Hands an action of session `from` to the devices: a device's request straight to its
    /// task, which learns who sent it (docs/PROTOCOL.md 14). The returned [`Written`] resolves
    /// once every device has written what an action for every device asked; it is done at once
    /// for other actions, and may be dropped.
    pub fn act(&self, from: SessionId, action: Action) -> Written {
        match action {
            Action::StartScanning => {
                let _ = self.inbox.send(HubEvent::StartScanning(from));
            }
            Action::StopScanning => {
                let _ = self.inbox.send(HubEvent::StopScanning(from));
            }
            Action::EveryDevice { request } => {
                return Written(self.send_every_device(from, &request));
            }
            Action::Device { device, request } => {
                let queued = Queued { request, from, ticket: self.backlog.ticket(), written: None };
                if let Err(unrouted) = self.routes.send(device, queued) {
                    if let DeviceRequest::Read { token, .. } = unrouted.request {
                        let result = Err(Error::NotConnected(device));
                        self.routes.tell(from, DeviceEvent::Reading { token, result });
                    } else {
                        debug!(%device, "action for a device that is gone");
                    }
                }
            }
        }
        Written(Vec::new())
    }

    /// Sends `request` from `from` to every device, each with a confirmation of when it is
    /// written.
    fn send_every_device(
        &self,
        from: SessionId,
        request: &DeviceRequest,
    ) -> Vec<oneshot::Receiver<()>> {
        let mut pending = Vec::new();
        self.routes.each_device(|_, device| {
            let (written, confirmed) = oneshot::channel();
            let (request, ticket) = (request.clone(), self.backlog.ticket());
            let queued = Queued { request, from, ticket, written: Some(written) };
            if device.send(queued).is_ok() {
                pending.push(confirmed);
            }
        });
        pending
    }

    /// Stops every output of every device and waits until each has written its stop bytes, or
    /// until `patience` has passed (a device that does not answer must not hold up shutdown).
    /// Returns whether every device confirmed.
    pub async fn stop_all_devices(&self, patience: Duration) -> bool {
        let stop = DeviceRequest::Stop { feature: None };
        Written(self.send_every_device(Routes::SERVER, &stop)).wait(patience).await
    }

    /// How many actions the devices have not taken up yet.
    pub fn backlog(&self) -> usize {
        self.backlog.len()
    }

    /// Waits until fewer than `limit` actions are waiting for the devices.
    pub async fn backlog_below(&self, limit: usize) {
        self.backlog.below(limit).await;
    }
}

/// Confirmations that the devices wrote what an action asked, from [`DeviceHub::act`].
#[derive(Debug)]
#[must_use = "dropping it is fine, but then nobody waits for the devices"]
pub struct Written(Vec<oneshot::Receiver<()>>);

impl Written {
    /// Waits until every device confirmed, or `patience` has passed (a device that does not
    /// answer must not hold up its caller). Returns whether every device confirmed; a device
    /// that left meanwhile has nothing left to write and counts as not confirmed.
    pub async fn wait(self, patience: Duration) -> bool {
        let confirmations = async {
            let mut all = true;
            for confirmation in self.0 {
                all &= confirmation.await.is_ok();
            }
            all
        };
        tokio::time::timeout(patience, confirmations).await.unwrap_or(false)
    }
}

#[derive(Debug)]
enum Scan {
    Idle,
    /// Managers whose scan has not ended yet.
    Active(BTreeSet<usize>),
    /// Every manager has finished; `ScanningFinished` waits until the devices found are ready
    /// or failed, so a client that sees it also sees what the scan found.
    Settling,
}

struct Connected {
    address: String,
    key: Key,
    /// Whether the device is sent keep-alives, for the watchers.
    needs_keepalive: bool,
    /// How it is reached, for the watchers.
    transport: bpio_hardware::Transport,
}

struct Hub {
    /// The hub fills it as devices come and go; requests and events pass it by.
    routes: Arc<Routes>,
    config: Arc<DeviceConfig>,
    managers: Vec<Arc<dyn HardwareManager>>,
    scan: Scan,
    /// The sessions that asked for the running scan: each is told when it ends
    /// (docs/PROTOCOL.md 14.7).
    askers: BTreeSet<SessionId>,
    /// Connected devices, listed or still starting.
    devices: BTreeMap<u32, Connected>,
    /// Devices being connected, with the index reserved for them when they were found, so
    /// indexes follow discovery order rather than which handshake ends first.
    connecting: BTreeMap<String, u32>,
    /// Devices running their init, not listed yet.
    starting: BTreeSet<u32>,
    /// Indexes given out this run.
    known: Records,
    list: watch::Sender<v4::Devices>,
    inbox: mpsc::WeakUnboundedSender<HubEvent>,
    observers: Observers,
}

impl Hub {
    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<HubEvent>) {
        while let Some(event) = inbox.recv().await {
            match event {
                HubEvent::StartScanning(from) => self.start_scanning(from),
                HubEvent::StopScanning(from) => self.stop_scanning(from),
                HubEvent::Manager(_, ManagerEvent::Found(found)) => self.admit(found),
                HubEvent::Manager(at_manager, ManagerEvent::ScanningFinished) => {
                    if let Scan::Active(pending) = &mut self.scan {
                        pending.remove(&at_manager);
                        if pending.is_empty() {
                            self.scan = Scan::Settling;
                        }
                    }
                }
                HubEvent::Device(DeviceReport::Ready { index, advertised }) => {
                    self.starting.remove(&index);
                    if let Some(connected) = self.devices.get(&index) {
                        // The model name from the database is no personal data; the advertised
                        // name and the address stay at debug.
                        info!(index, name = %advertised.device_name, "device connected");
                        let (address, protocol, identifier) = connected.key.clone();
                        self.observers.tell(Observation::DeviceConnected(Arc::new(
                            ObservedDevice {
                                index,
                                name: advertised.device_name.clone(),
                                display_name: advertised.device_display_name.clone(),
                                protocol,
                                identifier,
                                address,
                                needs_keepalive: connected.needs_keepalive,
                                transport: connected.transport,
                            },
                        )));
                        self.list.send_modify(|list| {
                            Arc::make_mut(list).insert(index, *advertised);
                        });
                    }
                }
                HubEvent::Device(DeviceReport::Gone { index }) => {
                    self.starting.remove(&index);
                    if let Some(gone) = self.devices.remove(&index) {
                        self.known.departed(gone.key);
                        self.routes.remove(DeviceIndex::new(index));
                        info!(index, "device disconnected");
                        let listed = self.list.send_if_modified(|list| {
                            list.contains_key(&index)
                                && Arc::make_mut(list).remove(&index).is_some()
                        });
                        // A device whose init failed was never announced.
                        if listed {
                            self.observers.tell(Observation::DeviceDisconnected { index });
                        }
                    }
                }
                HubEvent::Ready(ready) => self.add(*ready),
                HubEvent::Failed { address } => {
                    self.connecting.remove(&address);
                }
            }
            if matches!(self.scan, Scan::Settling)
                && self.connecting.is_empty()
                && self.starting.is_empty()
            {
                self.scan = Scan::Idle;
                self.observers.tell(Observation::Scanning(false));
                for asker in std::mem::take(&mut self.askers) {
                    self.routes.tell(asker, DeviceEvent::ScanningFinished);
                }
            }
        }
    }

    /// One scan serves every session that asks while it runs (docs/PROTOCOL.md 14.7).
    fn start_scanning(&mut self, from: SessionId) {
        self.askers.insert(from);
        if !matches!(self.scan, Scan::Idle) {
            return;
        }
        self.observers.tell(Observation::Scanning(true));
        // With no backend, every backend (of none) has finished at once.
        self.scan = if self.managers.is_empty() {
            Scan::Settling
        } else {
            Scan::Active((0..self.managers.len()).collect())
        };
        for manager in &self.managers {
            let manager = Arc::clone(manager);
            tokio::spawn(async move {
                if let Err(err) = manager.start_scanning().await {
                    warn!(manager = manager.name(), cause = %err, "cannot start scanning");
                }
            });
        }
    }

    /// `from` no longer wants the scan: it is not told when the scan ends, and the scan stops
    /// once no session wants it (docs/PROTOCOL.md 14.7).
    fn stop_scanning(&mut self, from: SessionId) {
        if !self.askers.remove(&from) || !self.askers.is_empty() {
            return;
        }
        // A scan stopped by its clients ends without ScanningFinished.
        self.scan = Scan::Idle;
        self.observers.tell(Observation::Scanning(false));
        for manager in &self.managers {
            let manager = Arc::clone(manager);
            tokio::spawn(async move {
                if let Err(err) = manager.stop_scanning().await {
                    warn!(manager = manager.name(), cause = %err, "cannot stop scanning");
                }
            });
        }
    }

    /// Admission (docs/DEVICE_CONFIG.md 7.1): allow/deny, not already here, a protocol we
    /// implement; then connect and handshake in a task of its own.
    fn admit(&mut self, found: FoundDevice) {
        let address = found.address.clone();
        let connected = self.devices.values().any(|d| d.address == address);
        if connected || self.connecting.contains_key(&address) || !self.config.is_allowed(&address)
        {
            return;
        }
        let chosen = found.advertisement.with_view(|advertisement| {
            self.config
                .candidates(advertisement)
                .into_iter()
                .find(|candidate| registry::find(candidate.protocol).is_some())
                .map(|candidate| {
                    (candidate.protocol.to_owned(), candidate.specifier.specialization())
                })
        });
        let Some((protocol, specialization)) = chosen else {
            debug!(name = %found.name, "no protocol for this device");
            return;
        };
        let Some(inbox) = self.inbox.upgrade() else { return };
        let reserved = self.free_index();
        self.connecting.insert(address.clone(), reserved);
        let transport = found.advertisement.transport();
        tokio::spawn(async move {
            let ready = connect(found, protocol, specialization, transport).await;
            let event = match ready {
                Ok(ready) => HubEvent::Ready(Box::new(ready)),
                Err(why) => {
                    warn!(cause = %why, "device could not be connected");
                    HubEvent::Failed { address }
                }
            };
            let _ = inbox.send(event);
        });
    }

    /// Gives a ready device its index and definition, and starts its task.
    fn add(&mut self, mut ready: ReadyDevice) {
        let reserved = self.connecting.remove(&ready.address);
        let Some(resolved) =
            self.config.resolve(&ready.address, &ready.protocol, ready.identifier.as_deref())
        else {
            warn!(protocol = %ready.protocol, "no definition for the device");
            return;
        };
        if let Err(err) = ready.device.configure(resolved.definition) {
            warn!(cause = %err, "cannot configure the device");
            return;
        }
        let key = (ready.address.clone(), ready.protocol.clone(), ready.identifier.clone());
        let index = match resolved.index().or_else(|| self.known.index(&key)).or(reserved) {
            Some(index) => index,
            None => self.free_index(),
        };
        self.known.connected(key.clone(), index);
        if let Some(old) = self.devices.remove(&index) {
            // Only a hand-edited user config can put two devices on one index (docs/PROTOCOL.md
            // 10.1). Its route is replaced below, which closes its task's channel.
            warn!(index, "a device connected on an occupied index; the older one is removed");
            self.known.departed(old.key);
        }
        let gap_ms = resolved.timing_gap_ms(ready.transport.default_gap_ms());
        let advertised = resolved.to_protocol_device(index, gap_ms);
        debug!(index, protocol = %ready.protocol, name = %advertised.device_name, "device identified");
        let needs_keepalive = keepalive(&ready.device, ready.hardware.as_ref()).is_some();
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let Some(inbox) = self.inbox.upgrade() else { return };
        let task = DeviceTask {
            index,
            listed: advertised,
            device: ready.device,
            hardware: ready.hardware,
            gap: Duration::from_millis(u64::from(gap_ms)),
            requests: requests_rx,
            events: ready.events,
            // The hub's inbox itself, so reports need no task to carry them.
            reports: EventSink::new(move |report| {
                inbox.send(HubEvent::Device(report)).map_err(|_| SinkClosed)
            }),
            routes: Arc::clone(&self.routes),
            observers: self.observers.clone(),
            unresponsive: false,
            owners: Owners::new(),
            subscribers: BTreeMap::new(),
        };
        tokio::spawn(task.run());
        self.starting.insert(index);
        self.routes.insert(DeviceIndex::new(index), requests);
        let transport = ready.transport;
        let connected = Connected { address: ready.address, key, needs_keepalive, transport };
        self.devices.insert(index, connected);
    }

    /// The smallest index no known device holds (docs/PROTOCOL.md 10.1).
    fn free_index(&self) -> u32 {
        let reserved = self.config.next_free_index();
        let taken: BTreeSet<u32> = self
            .known
            .indexes()
            .chain(self.devices.keys().copied())
            .chain(self.connecting.values().copied())
            .collect();
        (0..).find(|index| *index >= reserved && !taken.contains(index)).unwrap_or(u32::MAX)
    }
}

/// Connects a found device and runs its identification handshake.
async fn connect(
    found: FoundDevice,
    protocol: String,
    specialization: bpio_hardware::Specialization,
    transport: bpio_hardware::Transport,
) -> Result<ReadyDevice, Error> {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let sink = EventSink::new(move |event| events_tx.send(event).map_err(|_| SinkClosed));
    let hardware = found.connector.connect(specialization, sink).await?;
    let mut device = found.advertisement.with_view(|seen| {
        let manufacturer_data = match *seen {
            Advertisement::Btle { manufacturer_data, .. } => manufacturer_data,
            _ => &[][..],
        };
        let endpoints = hardware.endpoints();
        let info = DeviceInfo {
            name: &found.name,
            address: &found.address,
            transport,
            endpoints,
            manufacturer_data,
        };
        ProtocolDevice::new(&protocol, &info)
    })?;
    handshake(&mut device, hardware.as_ref(), &mut events).await?;
    Ok(ReadyDevice {
        address: found.address,
        identifier: device.identifier().map(str::to_owned),
        protocol,
        device,
        hardware,
        events,
        transport,
    })
}
