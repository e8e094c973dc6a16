//! Discovery and the link table: which devices are being opened, connected, or brought back.

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use async_trait::async_trait;
use bpio_hardware::{AdvertisementBuf, EventSink, HardwareManager, HwError, ManagerEvent};
use btleplug::api::{Central, CentralEvent, Manager as _, Peripheral as _, ScanFilter};
use btleplug::platform::{Adapter, Manager, Peripheral, PeripheralId};
use futures_util::{Stream, StreamExt};
use tokio::sync::OnceCell;
use tracing::{debug, info, warn};

use crate::config::{BtleplugConfig, Reconnect};
use crate::link::{Link, Origin, PeripheralConnector, cause, within};

/// A [`HardwareManager`] for Bluetooth LE devices.
///
/// Building it does no I/O: the adapter is opened by the first scan, so an engine without
/// Bluetooth (or without a system bus) starts, and each scan says why it cannot run.
#[derive(Debug)]
pub struct BtleplugManager {
    inner: Arc<Inner>,
}

impl BtleplugManager {
    /// A manager reporting to `events`.
    pub fn new(config: BtleplugConfig, events: EventSink<ManagerEvent>) -> Self {
        let inner =
            Inner { config, events, adapter: OnceCell::new(), state: Mutex::new(State::default()) };
        Self { inner: Arc::new(inner) }
    }

    /// What the server's manager list takes: a function building the manager around the sink
    /// it reports to (`bpio_server::runtime::ManagerFactory` is this, boxed).
    pub fn factory(
        config: BtleplugConfig,
    ) -> impl FnOnce(EventSink<ManagerEvent>) -> Arc<dyn HardwareManager> + Send + 'static {
        move |events| Arc::new(Self::new(config, events))
    }
}

#[async_trait]
impl HardwareManager for BtleplugManager {
    fn name(&self) -> &'static str {
        "btleplug"
    }

    async fn start_scanning(&self) -> Result<(), HwError> {
        let result = self.inner.start_scan().await;
        if let Err(err) = &result {
            warn!(cause = %cause(err), "Bluetooth LE scanning cannot start");
            // The server waits for every manager's scan to end; this one ended at once.
            self.inner.send(ManagerEvent::ScanningFinished);
        }
        result
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        self.inner.stop_scan().await
    }
}

/// The manager's state, shared with its tasks, connectors and devices.
pub(crate) struct Inner {
    pub(crate) config: BtleplugConfig,
    events: EventSink<ManagerEvent>,
    adapter: OnceCell<Adapter>,
    state: Mutex<State>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner").field("config", &self.config).finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    scanning: bool,
    /// What this scan reported per device, so that an unchanged advertisement is not reported
    /// again (BlueZ signals every advertisement it hears).
    reported: HashMap<PeripheralId, AdvertisementBuf>,
    links: HashMap<PeripheralId, LinkState>,
}

impl State {
    fn reconnecting(&self, id: &PeripheralId, link: &Arc<Link>) -> bool {
        matches!(self.links.get(id), Some(held @ LinkState::Reconnecting(_)) if held.holds(link))
    }
}

/// A device with a link, or one on its way to having one; scans do not report these.
enum LinkState {
    /// A connector is opening it.
    Opening,
    /// Connected.
    Up(Arc<Link>),
    /// The device dropped this link; a task is trying to connect it again.
    Reconnecting(Arc<Link>),
}

impl LinkState {
    fn holds(&self, link: &Arc<Link>) -> bool {
        match self {
            Self::Up(held) | Self::Reconnecting(held) => Arc::ptr_eq(held, link),
            Self::Opening => false,
        }
    }
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn send(&self, event: ManagerEvent) {
        // A closed sink means the server is shutting down; there is nobody left to tell.
        let _ = self.events.send(event);
    }

    /// The first adapter, opened once; its event stream is watched from then on.
    async fn adapter(self: &Arc<Self>) -> Result<&Adapter, HwError> {
        self.adapter.get_or_try_init(|| self.open_adapter()).await
    }

    async fn open_adapter(self: &Arc<Self>) -> Result<Adapter, HwError> {
        let limit = self.config.operation_timeout;
        let manager = within(limit, Manager::new()).await?;
        let adapter = within(limit, manager.adapters())
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| HwError::Backend(Box::new(btleplug::Error::NoAdapterAvailable)))?;
        let events = within(limit, adapter.events()).await?;
        tokio::spawn(watch_adapter(Arc::downgrade(self), events));
        Ok(adapter)
    }

    async fn start_scan(self: &Arc<Self>) -> Result<(), HwError> {
        let adapter = self.adapter().await?;
        {
            let mut state = self.state();
            state.scanning = true;
            state.reported.clear();
        }
        // No discovery filter: BlueZ filters only on advertised services, and most devices in
        // the database are recognised by name (see `DeviceFilter`).
        let started =
            within(self.config.operation_timeout, adapter.start_scan(ScanFilter::default())).await;
        if started.is_err() {
            self.state().scanning = false;
        }
        started
    }

    async fn stop_scan(&self) -> Result<(), HwError> {
        let was_scanning = std::mem::replace(&mut self.state().scanning, false);
        let stopped = match self.adapter.get() {
            Some(adapter) if was_scanning => {
                within(self.config.operation_timeout, adapter.stop_scan()).await
            }
            _ => Ok(()),
        };
        self.send(ManagerEvent::ScanningFinished);
        stopped
    }

    /// Whether an event about `id` may lead to a report. Signal-strength updates come with
    /// every advertisement, so they only count until the device was reported with a name.
    fn worth_a_look(&self, id: &PeripheralId, signal_only: bool) -> bool {
        let state = self.state();
        let unnamed = |seen: &AdvertisementBuf| seen.default_identifier().is_none_or(str::is_empty);
        state.scanning
            && !state.links.contains_key(id)
            && (!signal_only || state.reported.get(id).is_none_or(unnamed))
    }

    /// Reports `id` if this scan heard it, the filter accepts it, and its advertisement is new.
    async fn look(self: Arc<Self>, id: PeripheralId) {
        let Some(adapter) = self.adapter.get() else { return };
        let limit = self.config.operation_timeout;
        let peripheral = match within(limit, adapter.peripheral(&id)).await {
            Ok(peripheral) => peripheral,
            Err(err) => return debug!(cause = %cause(&err), "a Bluetooth LE device vanished"),
        };
        let properties = match within(limit, peripheral.properties()).await {
            Ok(Some(properties)) => properties,
            Ok(None) => return,
            Err(err) => return debug!(cause = %cause(&err), "no properties for a device"),
        };
        // BlueZ remembers devices from earlier; only those heard by this scan have a signal.
        if properties.rssi.is_none() {
            return;
        }
        let origin = Origin::new(&peripheral, &properties);
        if let Some(filter) = &self.config.filter
            && !origin.advertisement.with_view(|seen| filter.accepts(seen))
        {
            return;
        }
        {
            let mut state = self.state();
            if !state.scanning
                || state.links.contains_key(&id)
                || state.reported.get(&id) == Some(&origin.advertisement)
            {
                return;
            }
            state.reported.insert(id, origin.advertisement.clone());
        }
        debug!(name = %origin.name, address = %origin.address, "Bluetooth LE device found");
        let connector =
            PeripheralConnector::new(Arc::clone(&self), peripheral, origin.clone(), false);
        self.send(ManagerEvent::Found(origin.found(connector)));
    }

    /// A connector starts opening `id`; false if the device already has a link.
    pub(crate) fn begin_opening(&self, id: &PeripheralId) -> bool {
        let mut state = self.state();
        if state.links.contains_key(id) {
            return false;
        }
        state.links.insert(id.clone(), LinkState::Opening);
        true
    }

    /// Opening `id` failed or was given up: a later advertisement may report it again.
    pub(crate) fn opening_failed(&self, id: &PeripheralId) {
        let mut state = self.state();
        if matches!(state.links.get(id), Some(LinkState::Opening)) {
            state.links.remove(id);
        }
        state.reported.remove(id);
    }

    /// The link to `id` is up.
    pub(crate) fn link_up(&self, id: &PeripheralId, link: Arc<Link>) {
        self.state().links.insert(id.clone(), LinkState::Up(link));
    }

    /// The server let go of `link`: forget it, and stop bringing it back.
    pub(crate) fn release(&self, id: &PeripheralId, link: &Arc<Link>) {
        let mut state = self.state();
        if state.links.get(id).is_some_and(|held| held.holds(link)) {
            state.links.remove(id);
        }
    }

    /// BlueZ says the link to `id` is down.
    fn lost(self: &Arc<Self>, id: &PeripheralId) {
        let link = match self.state().links.get(id) {
            Some(LinkState::Up(link)) => Arc::clone(link),
            _ => return,
        };
        self.link_down(id, &link);
    }

    /// `link` to `id` went down: tell the server, and start bringing the device back unless the
    /// server asked for the disconnect.
    pub(crate) fn link_down(self: &Arc<Self>, id: &PeripheralId, link: &Arc<Link>) {
        if !link.close() {
            return;
        }
        let again = self.config.reconnect.filter(|_| link.wanted());
        {
            let mut state = self.state();
            if state.links.get(id).is_some_and(|held| held.holds(link)) {
                match again {
                    Some(_) => {
                        state.links.insert(id.clone(), LinkState::Reconnecting(Arc::clone(link)))
                    }
                    None => state.links.remove(id),
                };
            }
        }
        match again {
            Some(policy) => {
                info!("a Bluetooth LE device dropped; reconnecting in the background");
                tokio::spawn(reconnect(Arc::downgrade(self), id.clone(), Arc::clone(link), policy));
            }
            None => debug!(address = %link.origin().address, "Bluetooth LE device disconnected"),
        }
    }

    fn is_reconnecting(&self, id: &PeripheralId, link: &Arc<Link>) -> bool {
        self.state().reconnecting(id, link)
    }

    /// Swaps the reconnecting `link` for an opening one; false if the server let go meanwhile.
    fn relinked(&self, id: &PeripheralId, link: &Arc<Link>) -> bool {
        let mut state = self.state();
        let ours = state.reconnecting(id, link);
        if ours {
            state.links.insert(id.clone(), LinkState::Opening);
        }
        ours
    }

    /// Closes a link nobody will use, in the background (it may be called from `Drop`).
    pub(crate) fn hang_up(&self, peripheral: Peripheral) {
        let limit = self.config.operation_timeout;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(err) = within(limit, peripheral.disconnect()).await {
                    debug!(cause = %cause(&err), "cannot close an unused link");
                }
            });
        }
    }

    /// One attempt to bring the link to `id` up.
    async fn relink(&self, id: &PeripheralId) -> Result<Peripheral, HwError> {
        let adapter = self.adapter.get().ok_or(HwError::Disconnected)?;
        let peripheral = within(self.config.operation_timeout, adapter.peripheral(id)).await?;
        within(self.config.connect_timeout, peripheral.connect()).await?;
        Ok(peripheral)
    }
}

/// Turns the adapter's events into reports and disconnects, for as long as the manager lives.
async fn watch_adapter(
    manager: Weak<Inner>,
    mut events: Pin<Box<dyn Stream<Item = CentralEvent> + Send>>,
) {
    while let Some(event) = events.next().await {
        let Some(inner) = manager.upgrade() else { return };
        let (id, signal_only) = match event {
            CentralEvent::DeviceDisconnected(id) => {
                inner.lost(&id);
                continue;
            }
            CentralEvent::RssiUpdate { id, .. } => (id, true),
            CentralEvent::DeviceDiscovered(id)
            | CentralEvent::DeviceUpdated(id)
            | CentralEvent::ManufacturerDataAdvertisement { id, .. }
            | CentralEvent::ServiceDataAdvertisement { id, .. }
            | CentralEvent::ServicesAdvertisement { id, .. } => (id, false),
            _ => continue,
        };
        if inner.worth_a_look(&id, signal_only) {
            // Looking takes D-Bus round trips; a disconnect behind it must not wait.
            tokio::spawn(inner.look(id));
        }
    }
    warn!("the Bluetooth adapter's event stream ended; no more devices will be found");
}

/// Tries to connect a dropped device until it answers, the server lets go of it, or the
/// manager is gone; then reports it as found, its link already up.
async fn reconnect(manager: Weak<Inner>, id: PeripheralId, link: Arc<Link>, policy: Reconnect) {
    let mut delay = policy.first_delay;
    loop {
        tokio::time::sleep(delay).await;
        let Some(inner) = manager.upgrade() else { return };
        if !inner.is_reconnecting(&id, &link) {
            return;
        }
        match inner.relink(&id).await {
            Ok(peripheral) => {
                if inner.relinked(&id, &link) {
                    info!("a dropped Bluetooth LE device is back");
                    let origin = link.origin().clone();
                    let connector = PeripheralConnector::new(
                        Arc::clone(&inner),
                        peripheral,
                        origin.clone(),
                        true,
                    );
                    inner.send(ManagerEvent::Found(origin.found(connector)));
                } else {
                    inner.hang_up(peripheral);
                }
                return;
            }
            Err(err) => {
                debug!(address = %link.origin().address, cause = %cause(&err), "the device is not back yet");
                delay = delay.saturating_mul(2).min(policy.max_delay);
            }
        }
    }
}
