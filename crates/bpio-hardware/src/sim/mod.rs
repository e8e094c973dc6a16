//! Simulated hardware (feature `sim`): devices that emulate **firmware**, not protocols.
//!
//! Each simulated device runs a [`Firmware`]: it parses what is written to it the way the real
//! toy does and answers through its notifications (a Lovense toy answers `DeviceType;` on `rx`,
//! a TCode device answers `D1` on its serial line). The protocols in `bpio-device-protocols`
//! therefore meet the same behaviour in tests and with `--simulate` as on real hardware.
//!
//! Every device can record everything it received, in order ([`SimHandle::received`]), when its
//! manager is told to ([`SimulatedManager::recording`]); it can be inspected
//! ([`SimHandle::firmware`]), can produce sensor data ([`SimHandle::update`]) and can be dropped
//! like a device walking out of range ([`SimHandle::drop_connection`]).
//! Recording is for tests: a device that records grows with every command, which an engine
//! serving `--simulate` for hours cannot afford, so it is off unless asked for.
//! Devices: [`lovense_hush`], [`lovense_edge`], [`lovense_nora`], [`tcode_stroker`], [`sensor`]
//! and [`simulated`] for the base database's `simulated-*` entries.

mod lovense;
mod simulated;
mod tcode;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

pub use lovense::{LovenseFirmware, lovense_edge, lovense_hush, lovense_nora};
pub use simulated::{SimulatedFirmware, sensor, simulated};
pub use tcode::{TCodeFirmware, tcode_stroker};

use crate::{
    AdvertisementBuf, DeviceConnector, Endpoint, EventSink, FoundDevice, Hardware, HardwareCommand,
    HardwareEvent, HardwareManager, HwError, ManagerEvent, Specialization, Uuid,
};

/// Notifications a firmware sends: endpoint and bytes, in order.
pub type Notifications = Vec<(Endpoint, Vec<u8>)>;

/// The behaviour of a simulated device.
pub trait Firmware: Send + fmt::Debug + 'static {
    /// Bytes were written to `endpoint`; returns the notifications the device sends in answer.
    fn handle_write(&mut self, endpoint: Endpoint, data: &[u8]) -> Notifications;

    /// A read of `endpoint`.
    fn handle_read(&mut self, endpoint: Endpoint, length: u32) -> Result<Vec<u8>, HwError> {
        let _ = length;
        Err(HwError::NoEndpoint(endpoint))
    }
}

/// How a simulated device presents itself.
#[derive(Debug, Clone)]
pub struct SimIdentity {
    /// Name (BLE: advertised name).
    pub name: String,
    /// Address.
    pub address: String,
    /// What a scan observes.
    pub advertisement: AdvertisementBuf,
    /// BLE: GATT service → its characteristics; the endpoints come from the specialisation.
    /// Empty for other transports.
    pub gatt: BTreeMap<Uuid, Vec<Uuid>>,
    /// Endpoints of a non-BLE device.
    pub fixed_endpoints: Vec<Endpoint>,
    /// A byte stream (serial): notifications flow without subscribing.
    pub stream: bool,
}

/// A device to add to a [`SimulatedManager`].
#[derive(Debug)]
pub struct SimDevice<F> {
    /// Its presentation.
    pub identity: SimIdentity,
    /// Its firmware.
    pub firmware: F,
}

#[derive(Debug)]
struct State<F> {
    firmware: F,
    /// Whether `received` and `received_at` are kept.
    recording: bool,
    received: Vec<HardwareCommand>,
    /// When each entry of `received` arrived (tokio time, so a paused clock is honoured).
    received_at: Vec<tokio::time::Instant>,
    subscribed: BTreeSet<Endpoint>,
    events: Option<EventSink<HardwareEvent>>,
}

#[derive(Debug)]
struct Shared<F> {
    identity: SimIdentity,
    latency: Duration,
    /// The device stopped answering: operations never complete.
    hung: std::sync::atomic::AtomicBool,
    state: Mutex<State<F>>,
}

impl<F: Firmware> Shared<F> {
    fn lock(&self) -> MutexGuard<'_, State<F>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends notifications the device may send: subscribed endpoints, or any on a stream.
    fn notify(&self, state: &State<F>, notifications: Notifications) {
        let Some(events) = &state.events else { return };
        for (endpoint, data) in notifications {
            if self.identity.stream || state.subscribed.contains(&endpoint) {
                // A closed sink means nobody listens any more; the device keeps running.
                let _ = events.send(HardwareEvent::Notification { endpoint, data });
            }
        }
    }

    fn disconnect(&self) {
        let mut state = self.lock();
        state.subscribed.clear();
        if let Some(events) = state.events.take() {
            let _ = events.send(HardwareEvent::Disconnected);
        }
    }
}

/// Test access to one simulated device.
#[derive(Debug)]
pub struct SimHandle<F> {
    shared: Arc<Shared<F>>,
}

impl<F> Clone for SimHandle<F> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared) }
    }
}

impl<F: Firmware> SimHandle<F> {
    /// Everything the device received, in order; empty unless its manager records
    /// ([`SimulatedManager::recording`]).
    pub fn received(&self) -> Vec<HardwareCommand> {
        self.shared.lock().received.clone()
    }

    /// Only the writes, as (when, endpoint, bytes): for measuring timing from outside.
    pub fn timed_writes(&self) -> Vec<(tokio::time::Instant, Endpoint, Vec<u8>)> {
        let state = self.shared.lock();
        state
            .received
            .iter()
            .zip(&state.received_at)
            .filter_map(|(command, at)| match command {
                HardwareCommand::Write { endpoint, data, .. } => {
                    Some((*at, *endpoint, data.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Only the writes, as (endpoint, bytes).
    pub fn writes(&self) -> Vec<(Endpoint, Vec<u8>)> {
        self.received()
            .into_iter()
            .filter_map(|command| match command {
                HardwareCommand::Write { endpoint, data, .. } => Some((endpoint, data)),
                _ => None,
            })
            .collect()
    }

    /// Looks at the firmware's state.
    pub fn firmware<R>(&self, look: impl FnOnce(&F) -> R) -> R {
        look(&self.shared.lock().firmware)
    }

    /// Changes the firmware's state (a sensor value, a button) and sends the notifications
    /// `change` returns, as the device would.
    pub fn update(&self, change: impl FnOnce(&mut F) -> Notifications) {
        let mut state = self.shared.lock();
        let notifications = change(&mut state.firmware);
        self.shared.notify(&state, notifications);
    }

    /// Whether the device is connected.
    pub fn is_connected(&self) -> bool {
        self.shared.lock().events.is_some()
    }

    /// Makes the device stop answering (`true`): every operation from now on never completes,
    /// as with firmware that locked up while the link stays up.
    pub fn hang(&self, hung: bool) {
        self.shared.hung.store(hung, std::sync::atomic::Ordering::Relaxed);
    }

    /// Drops the connection from the device side; the server sees
    /// [`HardwareEvent::Disconnected`] and later operations fail.
    pub fn drop_connection(&self) {
        self.shared.disconnect();
    }
}

/// A connected simulated device.
#[derive(Debug)]
struct SimHardware<F> {
    shared: Arc<Shared<F>>,
    endpoints: Vec<Endpoint>,
}

impl<F: Firmware> SimHardware<F> {
    async fn op<R>(
        &self,
        command: HardwareCommand,
        act: impl FnOnce(&mut State<F>) -> Result<(R, Notifications), HwError> + Send,
    ) -> Result<R, HwError> {
        if !self.shared.latency.is_zero() {
            tokio::time::sleep(self.shared.latency).await;
        }
        if self.shared.hung.load(std::sync::atomic::Ordering::Relaxed) {
            // Firmware that locked up: the operation never completes.
            std::future::pending::<()>().await;
        }
        let mut state = self.shared.lock();
        if state.events.is_none() {
            return Err(HwError::Disconnected);
        }
        let endpoint = command.endpoint();
        if !self.endpoints.contains(&endpoint) {
            return Err(HwError::NoEndpoint(endpoint));
        }
        if state.recording {
            state.received.push(command);
            state.received_at.push(tokio::time::Instant::now());
        }
        let (result, notifications) = act(&mut state)?;
        self.shared.notify(&state, notifications);
        Ok(result)
    }
}

#[async_trait]
impl<F: Firmware> Hardware for SimHardware<F> {
    fn name(&self) -> &str {
        &self.shared.identity.name
    }

    fn address(&self) -> &str {
        &self.shared.identity.address
    }

    fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    async fn write(
        &self,
        endpoint: Endpoint,
        data: &[u8],
        with_response: bool,
    ) -> Result<(), HwError> {
        let command = HardwareCommand::Write { endpoint, data: data.to_vec(), with_response };
        self.op(command, |state| Ok(((), state.firmware.handle_write(endpoint, data)))).await
    }

    async fn read(
        &self,
        endpoint: Endpoint,
        length: u32,
        timeout: Duration,
    ) -> Result<Vec<u8>, HwError> {
        let command = HardwareCommand::read(endpoint, length, timeout);
        self.op(command, |state| Ok((state.firmware.handle_read(endpoint, length)?, Vec::new())))
            .await
    }

    async fn subscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.op(HardwareCommand::subscribe(endpoint), |state| {
            state.subscribed.insert(endpoint);
            Ok(((), Vec::new()))
        })
        .await
    }

    async fn unsubscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.op(HardwareCommand::unsubscribe(endpoint), |state| {
            state.subscribed.remove(&endpoint);
            Ok(((), Vec::new()))
        })
        .await
    }

    async fn disconnect(&self) -> Result<(), HwError> {
        self.shared.disconnect();
        Ok(())
    }
}

#[derive(Debug)]
struct SimConnector<F> {
    shared: Arc<Shared<F>>,
}

#[async_trait]
impl<F: Firmware> DeviceConnector for SimConnector<F> {
    async fn connect(
        self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        let identity = &self.shared.identity;
        let endpoints = match specialization {
            Specialization::Btle { services } if !identity.gatt.is_empty() => services
                .iter()
                .filter_map(|(service, table)| Some((identity.gatt.get(service)?, table)))
                .flat_map(|(present, table)| {
                    table
                        .iter()
                        .filter(|(_, ch)| present.contains(ch))
                        .map(|(endpoint, _)| *endpoint)
                })
                .collect(),
            Specialization::Btle { .. } => return Err(HwError::WrongSpecialization),
            _ if !identity.gatt.is_empty() => return Err(HwError::WrongSpecialization),
            _ => identity.fixed_endpoints.clone(),
        };
        let endpoints: Vec<Endpoint> = endpoints;
        if endpoints.is_empty() {
            return Err(HwError::NoEndpoints);
        }
        let mut state = self.shared.lock();
        if state.events.is_some() {
            return Err(HwError::Unsupported("the simulated device is already connected"));
        }
        state.events = Some(events);
        drop(state);
        tracing::debug!(device = %identity.name, endpoints = endpoints.len(), "simulated device connected");
        Ok(Arc::new(SimHardware { shared: Arc::clone(&self.shared), endpoints }))
    }
}

trait Entry: Send + Sync + fmt::Debug {
    fn found(&self) -> Option<FoundDevice>;
}

impl<F: Firmware> Entry for Arc<Shared<F>> {
    fn found(&self) -> Option<FoundDevice> {
        if self.lock().events.is_some() {
            return None;
        }
        Some(FoundDevice {
            name: self.identity.name.clone(),
            address: self.identity.address.clone(),
            advertisement: self.identity.advertisement.clone(),
            connector: Box::new(SimConnector { shared: Self::clone(self) }),
        })
    }
}

/// A [`HardwareManager`] over simulated devices. A scan reports every device not connected,
/// then finishes.
#[derive(Debug)]
pub struct SimulatedManager {
    events: EventSink<ManagerEvent>,
    devices: Mutex<Vec<Box<dyn Entry>>>,
    latency: Duration,
    recording: bool,
}

impl SimulatedManager {
    /// A manager reporting to `events`.
    pub fn new(events: EventSink<ManagerEvent>) -> Self {
        Self { events, devices: Mutex::new(Vec::new()), latency: Duration::ZERO, recording: false }
    }

    /// Every operation of devices added from now on takes `latency` (tokio time, so tests
    /// with a paused clock stay instant).
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Devices added from now on record everything they receive ([`SimHandle::received`]), for
    /// tests that inspect it; without this they keep no history.
    pub fn recording(mut self) -> Self {
        self.recording = true;
        self
    }

    /// Adds a device; the handle gives tests access to it.
    pub fn add<F: Firmware>(&self, device: SimDevice<F>) -> SimHandle<F> {
        let shared = Arc::new(Shared {
            identity: device.identity,
            latency: self.latency,
            hung: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(State {
                firmware: device.firmware,
                recording: self.recording,
                received: Vec::new(),
                received_at: Vec::new(),
                subscribed: BTreeSet::new(),
                events: None,
            }),
        });
        self.devices
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Box::new(Arc::clone(&shared)));
        SimHandle { shared }
    }
}

#[async_trait]
impl HardwareManager for SimulatedManager {
    fn name(&self) -> &'static str {
        "simulated"
    }

    async fn start_scanning(&self) -> Result<(), HwError> {
        let found: Vec<FoundDevice> = self
            .devices
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|entry| entry.found())
            .collect();
        self.events.report_scan(found);
        Ok(())
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        Ok(())
    }
}

/// An [`EventSink`] feeding a tokio unbounded channel: what a tokio server (or a test) uses.
pub fn channel<E: Send + 'static>() -> (EventSink<E>, tokio::sync::mpsc::UnboundedReceiver<E>) {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    (EventSink::new(move |event| sender.send(event).map_err(|_| crate::SinkClosed)), receiver)
}

/// A BLE identity with one service holding `tx` and `rx` characteristics.
fn ble_identity(name: &str, address: &str, service: u128, tx: u128, rx: u128) -> SimIdentity {
    let service = Uuid::from_u128(service);
    SimIdentity {
        name: name.to_owned(),
        address: address.to_owned(),
        advertisement: AdvertisementBuf::Btle {
            name: name.to_owned(),
            manufacturer_data: Vec::new(),
            services: vec![service],
        },
        gatt: BTreeMap::from([(service, vec![Uuid::from_u128(tx), Uuid::from_u128(rx)])]),
        fixed_endpoints: Vec::new(),
        stream: false,
    }
}
