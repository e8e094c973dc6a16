//! The task that owns the devices, and the handle sessions use to reach it.
//!
//! The hub runs the scan state of docs/PROTOCOL.md 11 across every hardware manager, admits found
//! devices (allow/deny, protocol match, connect, identify, resolve, init), gives each an index
//! (10.1), starts one task per device, routes session actions to them, and publishes the device
//! list whenever it changes.

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

use super::backlog::{Backlog, Ticket};
use super::device_task::{DeviceReport, DeviceRequest, DeviceTask, Queued, handshake};
use super::records::{DEPARTED_KEPT, Key, Records};
use crate::session::{Action, ReadFailed, ReadToken};

/// What the devices tell the session attached to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// A scan ended by itself.
    ScanningFinished,
    /// The answer to an [`Action::Read`].
    Reading {
        /// The read it answers.
        token: ReadToken,
        /// The reading, or why there is none.
        result: Result<v4::Reading, ReadFailed>,
    },
    /// A reading of a subscribed input.
    Input {
        /// Device index.
        device: u32,
        /// Feature index.
        feature: u32,
        /// The reading.
        reading: v4::Reading,
    },
}

/// Builds one hardware manager around the sink it reports to.
pub type ManagerFactory =
    Box<dyn FnOnce(EventSink<ManagerEvent>) -> Arc<dyn HardwareManager> + Send>;

enum Request {
    Act(Action, Ticket),
    StopAll(oneshot::Sender<Vec<oneshot::Receiver<()>>>),
    Attach(mpsc::UnboundedSender<DeviceEvent>),
}

/// Everything that reaches the hub task.
enum HubEvent {
    Request(Request),
    Manager(usize, ManagerEvent),
    Device(DeviceReport),
    Ready(Box<ReadyDevice>),
    Failed { address: String },
}

/// Where a device task reports to: the hub's inbox itself, so reports need no task to carry them.
pub(super) struct Reports(mpsc::UnboundedSender<HubEvent>);

impl Reports {
    /// Hands `report` to the hub; a hub that has gone away needs none.
    pub(super) fn send(&self, report: DeviceReport) {
        let _ = self.0.send(HubEvent::Device(report));
    }
}

/// A device whose handshake is done, waiting for its index.
struct ReadyDevice {
    address: String,
    protocol: String,
    identifier: Option<String>,
    device: ProtocolDevice,
    hardware: Arc<dyn bpio_hardware::Hardware>,
    events: mpsc::UnboundedReceiver<HardwareEvent>,
    transport_gap_ms: u32,
}

/// A cheap, cloneable handle to the device task.
#[derive(Clone)]
pub struct DeviceHub {
    requests: mpsc::UnboundedSender<HubEvent>,
    list: watch::Receiver<BTreeMap<u32, v4::Device>>,
    backlog: Backlog,
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
        let (requests, inbox) = mpsc::unbounded_channel();
        let (list_tx, list) = watch::channel(BTreeMap::new());
        let managers: Vec<Arc<dyn HardwareManager>> = managers
            .into_iter()
            .enumerate()
            .map(|(at, build)| {
                let hub = requests.clone();
                build(EventSink::new(move |event| {
                    hub.send(HubEvent::Manager(at, event)).map_err(|_| SinkClosed)
                }))
            })
            .collect();
        let backlog = Backlog::default();
        let hub = Hub {
            backlog: backlog.clone(),
            config: Arc::new(config),
            managers,
            scan: Scan::Idle,
            devices: BTreeMap::new(),
            connecting: BTreeMap::new(),
            starting: BTreeSet::new(),
            known: Records::new(DEPARTED_KEPT),
            session: None,
            list: list_tx,
            inbox: requests.downgrade(),
        };
        tokio::spawn(hub.run(inbox));
        Self { requests, list, backlog }
    }

    /// The connected devices as clients see them, updated on every change.
    pub fn device_list(&self) -> watch::Receiver<BTreeMap<u32, v4::Device>> {
        self.list.clone()
    }

    /// Makes the calling session the one that receives device events (one session at a time).
    pub fn attach_session(&self) -> mpsc::UnboundedReceiver<DeviceEvent> {
        let (events, events_rx) = mpsc::unbounded_channel();
        let _ = self.requests.send(HubEvent::Request(Request::Attach(events)));
        events_rx
    }

    /// Hands an action to the devices.
    pub fn act(&self, action: Action) {
        let ticket = self.backlog.ticket();
        let _ = self.requests.send(HubEvent::Request(Request::Act(action, ticket)));
    }

    /// Stops every output of every device and waits until each has written its stop bytes, or
    /// until `patience` has passed (a device that does not answer must not hold up shutdown).
    /// Returns whether every device confirmed.
    pub async fn stop_all_devices(&self, patience: Duration) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.requests.send(HubEvent::Request(Request::StopAll(tx))).is_err() {
            return true;
        }
        let confirmations = async {
            let Ok(pending) = rx.await else { return true };
            let mut all = true;
            for confirmation in pending {
                all &= confirmation.await.is_ok();
            }
            all
        };
        tokio::time::timeout(patience, confirmations).await.unwrap_or(false)
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
    requests: mpsc::UnboundedSender<Queued>,
    address: String,
    key: Key,
}

struct Hub {
    /// Shared with the handles, for work the hub itself fans out.
    backlog: Backlog,
    config: Arc<DeviceConfig>,
    managers: Vec<Arc<dyn HardwareManager>>,
    scan: Scan,
    devices: BTreeMap<u32, Connected>,
    /// Devices being connected, with the index reserved for them when they were found, so
    /// indexes follow discovery order rather than which handshake ends first.
    connecting: BTreeMap<String, u32>,
    /// Devices running their init, not listed yet.
    starting: BTreeSet<u32>,
    /// Indexes given out this run.
    known: Records,
    session: Option<mpsc::UnboundedSender<DeviceEvent>>,
    list: watch::Sender<BTreeMap<u32, v4::Device>>,
    inbox: mpsc::WeakUnboundedSender<HubEvent>,
}

impl Hub {
    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<HubEvent>) {
        while let Some(event) = inbox.recv().await {
            match event {
                HubEvent::Request(Request::Attach(session)) => self.session = Some(session),
                HubEvent::Request(Request::Act(action, ticket)) => self.act(action, ticket),
                HubEvent::Request(Request::StopAll(reply)) => {
                    let mut pending = Vec::new();
                    for connected in self.devices.values() {
                        let (done, confirmed) = oneshot::channel();
                        let request = DeviceRequest::StopAndConfirm(done);
                        let ticket = self.backlog.ticket();
                        if connected.requests.send(Queued { request, ticket }).is_ok() {
                            pending.push(confirmed);
                        }
                    }
                    let _ = reply.send(pending);
                }
                HubEvent::Manager(_, ManagerEvent::Found(found)) => self.admit(found),
                HubEvent::Manager(at_manager, ManagerEvent::ScanningFinished) => {
                    if let Scan::Active(pending) = &mut self.scan {
                        pending.remove(&at_manager);
                        if pending.is_empty() {
                            self.scan = Scan::Settling;
                        }
                    }
                }
                HubEvent::Device(DeviceReport::Event(event)) => self.tell_session(event),
                HubEvent::Device(DeviceReport::Ready { index, advertised }) => {
                    self.starting.remove(&index);
                    if self.devices.contains_key(&index) {
                        // The model name from the database is no personal data; the advertised
                        // name and the address stay at debug.
                        info!(index, name = %advertised.device_name, "device connected");
                        self.list.send_modify(|list| {
                            list.insert(index, *advertised);
                        });
                    }
                }
                HubEvent::Device(DeviceReport::Gone { index }) => {
                    self.starting.remove(&index);
                    if let Some(gone) = self.devices.remove(&index) {
                        self.known.departed(gone.key);
                        info!(index, "device disconnected");
                        self.list.send_modify(|list| {
                            list.remove(&index);
                        });
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
                self.tell_session(DeviceEvent::ScanningFinished);
            }
        }
    }

    fn tell_session(&self, event: DeviceEvent) {
        if let Some(session) = &self.session {
            let _ = session.send(event);
        }
    }

    /// Routes `action`; `ticket` travels with the work, and is dropped here for work the hub does
    /// itself or that has nowhere to go.
    fn act(&mut self, action: Action, ticket: Ticket) {
        match action {
            Action::StartScanning => {
                if !matches!(self.scan, Scan::Idle) {
                    return;
                }
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
            Action::StopScanning => {
                // A scan stopped by the client ends without ScanningFinished.
                self.scan = Scan::Idle;
                for manager in &self.managers {
                    let manager = Arc::clone(manager);
                    tokio::spawn(async move {
                        if let Err(err) = manager.stop_scanning().await {
                            warn!(manager = manager.name(), cause = %err, "cannot stop scanning");
                        }
                    });
                }
            }
            Action::Output { device, commands } => {
                self.send(device, DeviceRequest::Output { commands }, ticket)
            }
            Action::Read { token, device, feature, input } => {
                if self.devices.contains_key(&device) {
                    self.send(device, DeviceRequest::Read { token, feature, input }, ticket);
                } else {
                    let result = Err(ReadFailed(format!("device {device} is not connected")));
                    self.tell_session(DeviceEvent::Reading { token, result });
                }
            }
            Action::Subscribe { device, feature, input } => {
                self.send(device, DeviceRequest::Subscribe { feature, input }, ticket)
            }
            Action::Unsubscribe { device, feature, input } => {
                self.send(device, DeviceRequest::Unsubscribe { feature, input }, ticket);
            }
            Action::StopOutputs { device: Some(device), feature } => {
                self.send(device, DeviceRequest::Stop { feature }, ticket)
            }
            Action::StopOutputs { device: None, .. } => {
                for connected in self.devices.values() {
                    let request = DeviceRequest::Stop { feature: None };
                    let _ = connected.requests.send(Queued { request, ticket: ticket.another() });
                }
            }
        }
    }

    fn send(&self, device: u32, request: DeviceRequest, ticket: Ticket) {
        match self.devices.get(&device) {
            Some(connected) => {
                let _ = connected.requests.send(Queued { request, ticket });
            }
            None => debug!(device, "action for a device that is gone"),
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
            // 10.1).
            warn!(index, "a device connected on an occupied index; the older one is removed");
            self.known.departed(old.key);
        }
        let gap_ms = resolved.timing_gap_ms(ready.transport_gap_ms);
        let advertised = resolved.to_protocol_device(index, gap_ms);
        debug!(index, protocol = %ready.protocol, name = %advertised.device_name, "device identified");
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let Some(inbox) = self.inbox.upgrade() else { return };
        let task = DeviceTask {
            index,
            device: ready.device,
            hardware: ready.hardware,
            gap: Duration::from_millis(u64::from(gap_ms)),
            requests: requests_rx,
            events: ready.events,
            reports: Reports(inbox),
            unresponsive: false,
        };
        tokio::spawn(task.run(advertised));
        self.starting.insert(index);
        self.devices.insert(index, Connected { requests, address: ready.address, key });
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
) -> Result<ReadyDevice, String> {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let sink = EventSink::new(move |event| events_tx.send(event).map_err(|_| SinkClosed));
    let hardware =
        found.connector.connect(specialization, sink).await.map_err(|err| err.to_string())?;
    let mut device = found
        .advertisement
        .with_view(|seen| {
            let manufacturer_data = match *seen {
                Advertisement::Btle { manufacturer_data, .. } => manufacturer_data,
                _ => &[][..],
            };
            let endpoints = hardware.endpoints();
            let info = DeviceInfo { name: &found.name, transport, endpoints, manufacturer_data };
            ProtocolDevice::new(&protocol, &info)
        })
        .map_err(|err| err.to_string())?;
    handshake(&mut device, hardware.as_ref(), &mut events).await?;
    Ok(ReadyDevice {
        address: found.address,
        identifier: device.identifier().map(str::to_owned),
        protocol,
        device,
        hardware,
        events,
        transport_gap_ms: transport.default_gap_ms(),
    })
}
