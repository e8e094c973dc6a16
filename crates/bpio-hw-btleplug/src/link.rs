//! One connection to a device: opening it, resolving its endpoints, and the `Hardware` that
//! lives as long as the link.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    AdvertisementBuf, DeviceConnector, Endpoint, EventSink, FoundDevice, Hardware, HardwareEvent,
    HwError, Specialization, Uuid,
};
use btleplug::api::{
    Characteristic, Peripheral as _, PeripheralProperties, Service, ValueNotification, WriteType,
};
use btleplug::platform::{Peripheral, PeripheralId};
use futures_util::{Stream, StreamExt};
use tokio::sync::watch;
use tracing::debug;

use crate::manager::Inner;

/// How a device presented itself when first found; a reconnected device is reported with it
/// again, so the server matches it to the same protocol.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) advertisement: AdvertisementBuf,
}

impl Origin {
    pub(crate) fn new(peripheral: &Peripheral, properties: &PeripheralProperties) -> Self {
        // The advertised name, not BlueZ's alias: with no name, the alias is the address.
        let name = properties
            .advertisement_name
            .clone()
            .or_else(|| properties.local_name.clone())
            .unwrap_or_default();
        // The reference server keys devices by btleplug's peripheral id as `Debug` prints it
        // (`PeripheralId(…)`); users' saved records (index, limits, deny) carry over only under
        // the same address. It is stable on every platform, unlike the hardware address, which
        // CoreBluetooth hides.
        let address = format!("{:?}", peripheral.id());
        let mut manufacturer_data: Vec<(u16, Vec<u8>)> = properties
            .manufacturer_data
            .iter()
            .map(|(company, data)| (*company, data.clone()))
            .collect();
        manufacturer_data.sort();
        let mut services: Vec<Uuid> = properties.services.iter().map(|s| ours(*s)).collect();
        services.sort();
        services.dedup();
        let advertisement =
            AdvertisementBuf::Btle { name: name.clone(), manufacturer_data, services };
        Self { name, address, advertisement }
    }

    pub(crate) fn found(self, connector: PeripheralConnector) -> FoundDevice {
        FoundDevice {
            name: self.name,
            address: self.address,
            advertisement: self.advertisement,
            connector: Box::new(connector),
        }
    }
}

/// The state of one connection, shared by its `Hardware`, its notification task and the
/// manager.
#[derive(Debug)]
pub(crate) struct Link {
    origin: Origin,
    up: watch::Sender<bool>,
    /// False once the server asked to disconnect: such a link is not brought back.
    wanted: AtomicBool,
    events: EventSink<HardwareEvent>,
}

impl Link {
    fn new(origin: Origin, events: EventSink<HardwareEvent>) -> Self {
        Self { origin, up: watch::Sender::new(true), wanted: AtomicBool::new(true), events }
    }

    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    pub(crate) fn wanted(&self) -> bool {
        self.wanted.load(Ordering::SeqCst)
    }

    fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Marks the link down and tells the server, once; false if it was down already.
    pub(crate) fn close(&self) -> bool {
        let was_up = self.up.send_replace(false);
        if was_up {
            let _ = self.events.send(HardwareEvent::Disconnected);
        }
        was_up
    }

    /// Resolves when the link goes down.
    async fn down(&self) {
        let mut up = self.up.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        let _ = up.wait_for(|up| !*up).await;
    }
}

/// Connects one found device. `linked` when the reconnect task already brought the link up.
#[derive(Debug)]
pub(crate) struct PeripheralConnector {
    manager: Arc<Inner>,
    /// Taken by `connect`; still here on drop means the server never used it.
    peripheral: Option<Peripheral>,
    origin: Origin,
    linked: bool,
}

impl PeripheralConnector {
    pub(crate) fn new(
        manager: Arc<Inner>,
        peripheral: Peripheral,
        origin: Origin,
        linked: bool,
    ) -> Self {
        Self { manager, peripheral: Some(peripheral), origin, linked }
    }
}

impl Drop for PeripheralConnector {
    fn drop(&mut self) {
        if let Some(peripheral) = self.peripheral.take()
            && self.linked
        {
            // The server turned the reconnected device down (or is gone): close its link.
            self.manager.opening_failed(&peripheral.id());
            self.manager.hang_up(peripheral);
        }
    }
}

#[async_trait]
impl DeviceConnector for PeripheralConnector {
    async fn connect(
        mut self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        let Specialization::Btle { services } = specialization else {
            return Err(HwError::WrongSpecialization);
        };
        let Some(peripheral) = self.peripheral.take() else {
            return Err(HwError::Disconnected);
        };
        let id = peripheral.id();
        if !self.linked && !self.manager.begin_opening(&id) {
            return Err(HwError::Unsupported("the device is connected already"));
        }
        let origin = self.origin.clone();
        let opened = open(&self.manager, peripheral, origin, self.linked, &services, events).await;
        if opened.is_err() {
            self.manager.opening_failed(&id);
        }
        opened
    }
}

/// Brings the link up (unless `linked`), resolves the endpoints and starts forwarding
/// notifications. On failure the link is closed again.
async fn open(
    manager: &Arc<Inner>,
    peripheral: Peripheral,
    origin: Origin,
    linked: bool,
    services: &BTreeMap<Uuid, BTreeMap<Endpoint, Uuid>>,
    events: EventSink<HardwareEvent>,
) -> Result<Arc<dyn Hardware>, HwError> {
    let config = &manager.config;
    if !linked {
        within(config.connect_timeout, peripheral.connect()).await?;
    }
    let prepared = async {
        within(config.connect_timeout, peripheral.discover_services()).await?;
        let characteristics = resolve(&peripheral.services(), services);
        if characteristics.is_empty() {
            return Err(HwError::NoEndpoints);
        }
        let notifications = within(config.operation_timeout, peripheral.notifications()).await?;
        Ok((characteristics, notifications))
    }
    .await;
    let (characteristics, notifications) = match prepared {
        Ok(prepared) => prepared,
        Err(err) => {
            let _ = within(config.operation_timeout, peripheral.disconnect()).await;
            return Err(err);
        }
    };
    let id = peripheral.id();
    let link = Arc::new(Link::new(origin, events));
    let subscribed = Arc::new(Mutex::new(BTreeSet::new()));
    let routes: Vec<(Characteristic, Endpoint)> =
        characteristics.iter().map(|(endpoint, ch)| (ch.clone(), *endpoint)).collect();
    tokio::spawn(forward(notifications, Arc::clone(&link), routes, Arc::clone(&subscribed)));
    debug!(address = %link.origin.address, endpoints = characteristics.len(), "Bluetooth LE device connected");
    manager.link_up(&id, Arc::clone(&link));
    // A drop while the link was being set up produced no event this link could see.
    if !within(config.operation_timeout, peripheral.is_connected()).await.unwrap_or(false) {
        manager.link_down(&id, &link);
    }
    Ok(Arc::new(BtleHardware {
        manager: Arc::downgrade(manager),
        id,
        peripheral,
        link,
        endpoints: characteristics.keys().copied().collect(),
        characteristics,
        subscribed,
        operation_timeout: config.operation_timeout,
    }))
}

/// The characteristic of every endpoint of `wanted` (service → endpoint → characteristic)
/// that the device has.
fn resolve(
    found: &BTreeSet<Service>,
    wanted: &BTreeMap<Uuid, BTreeMap<Endpoint, Uuid>>,
) -> BTreeMap<Endpoint, Characteristic> {
    let mut resolved = BTreeMap::new();
    for service in found {
        let Some(table) = wanted.get(&ours(service.uuid)) else { continue };
        for (endpoint, wanted_characteristic) in table {
            let present =
                service.characteristics.iter().find(|ch| ours(ch.uuid) == *wanted_characteristic);
            if let Some(characteristic) = present {
                resolved.entry(*endpoint).or_insert_with(|| characteristic.clone());
            }
        }
    }
    resolved
}

/// Hands notifications of subscribed endpoints to the server until the link goes down.
async fn forward(
    mut notifications: Pin<Box<dyn Stream<Item = ValueNotification> + Send>>,
    link: Arc<Link>,
    routes: Vec<(Characteristic, Endpoint)>,
    subscribed: Arc<Mutex<BTreeSet<Endpoint>>>,
) {
    loop {
        let notification = tokio::select! {
            notification = notifications.next() => match notification {
                Some(notification) => notification,
                None => return,
            },
            () = link.down() => return,
        };
        // BlueZ also reports the value a read fetched; only subscriptions are notifications.
        let subscribed = subscribed.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let endpoints = routes.iter().filter(|(ch, endpoint)| {
            ch.uuid == notification.uuid
                && ch.service_uuid == notification.service_uuid
                && subscribed.contains(endpoint)
        });
        for (_, endpoint) in endpoints {
            let data = notification.value.clone();
            if link.events.send(HardwareEvent::Notification { endpoint: *endpoint, data }).is_err()
            {
                return;
            }
        }
    }
}

/// A connected device; it fails every command once its link is down.
#[derive(Debug)]
struct BtleHardware {
    manager: Weak<Inner>,
    id: PeripheralId,
    peripheral: Peripheral,
    link: Arc<Link>,
    endpoints: Vec<Endpoint>,
    characteristics: BTreeMap<Endpoint, Characteristic>,
    subscribed: Arc<Mutex<BTreeSet<Endpoint>>>,
    operation_timeout: Duration,
}

impl BtleHardware {
    fn characteristic(&self, endpoint: Endpoint) -> Result<&Characteristic, HwError> {
        self.characteristics.get(&endpoint).ok_or(HwError::NoEndpoint(endpoint))
    }

    fn subscriptions(&self) -> std::sync::MutexGuard<'_, BTreeSet<Endpoint>> {
        self.subscribed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one operation under `limit`; a link that is down, or goes down meanwhile, fails it
    /// at once.
    async fn run<T>(
        &self,
        limit: Duration,
        operation: impl Future<Output = btleplug::Result<T>>,
    ) -> Result<T, HwError> {
        if !self.link.is_up() {
            return Err(HwError::Disconnected);
        }
        tokio::select! {
            result = within(limit, operation) => result,
            () = self.link.down() => Err(HwError::Disconnected),
        }
    }
}

#[async_trait]
impl Hardware for BtleHardware {
    fn name(&self) -> &str {
        &self.link.origin.name
    }

    fn address(&self) -> &str {
        &self.link.origin.address
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
        let characteristic = self.characteristic(endpoint)?;
        let kind = if with_response { WriteType::WithResponse } else { WriteType::WithoutResponse };
        self.run(self.operation_timeout, self.peripheral.write(characteristic, data, kind)).await
    }

    async fn read(
        &self,
        endpoint: Endpoint,
        length: u32,
        timeout: Duration,
    ) -> Result<Vec<u8>, HwError> {
        let characteristic = self.characteristic(endpoint)?;
        let limit = if timeout.is_zero() { self.operation_timeout } else { timeout };
        let mut data = self.run(limit, self.peripheral.read(characteristic)).await?;
        if length > 0 {
            data.truncate(usize::try_from(length).unwrap_or(usize::MAX));
        }
        Ok(data)
    }

    async fn subscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        let characteristic = self.characteristic(endpoint)?;
        // Listen before asking, so that a notification sent right away is not lost.
        let fresh = self.subscriptions().insert(endpoint);
        let result = self.run(self.operation_timeout, self.peripheral.subscribe(characteristic));
        let result = result.await;
        if result.is_err() && fresh {
            self.subscriptions().remove(&endpoint);
        }
        result
    }

    async fn unsubscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        let characteristic = self.characteristic(endpoint)?;
        self.subscriptions().remove(&endpoint);
        self.run(self.operation_timeout, self.peripheral.unsubscribe(characteristic)).await
    }

    async fn disconnect(&self) -> Result<(), HwError> {
        self.link.wanted.store(false, Ordering::SeqCst);
        let result = if self.link.is_up() {
            self.run(self.operation_timeout, self.peripheral.disconnect()).await
        } else {
            Ok(())
        };
        // Only this link: a newer one to the same device is none of this object's business.
        if let Some(manager) = self.manager.upgrade() {
            manager.link_down(&self.id, &self.link);
            manager.release(&self.id, &self.link);
        }
        self.link.close();
        match result {
            // BlueZ reported the link down before answering the call.
            Err(HwError::Disconnected) => Ok(()),
            other => other,
        }
    }
}

/// Runs a btleplug operation under `limit`.
pub(crate) async fn within<T>(
    limit: Duration,
    operation: impl Future<Output = btleplug::Result<T>>,
) -> Result<T, HwError> {
    match tokio::time::timeout(limit, operation).await {
        Ok(result) => result.map_err(hw_error),
        Err(_) => Err(HwError::Timeout),
    }
}

fn hw_error(err: btleplug::Error) -> HwError {
    match err {
        btleplug::Error::NotConnected | btleplug::Error::DeviceNotFound => HwError::Disconnected,
        btleplug::Error::TimedOut(_) => HwError::Timeout,
        other => HwError::Backend(Box::new(other)),
    }
}

/// An error and its sources on one line, for logs.
pub(crate) fn cause(err: &HwError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn ours(uuid: uuid::Uuid) -> Uuid {
    Uuid::from_u128(uuid.as_u128())
}

#[cfg(test)]
mod tests {
    use btleplug::api::CharPropFlags;

    use super::*;

    fn characteristic(service: u128, uuid: u128) -> Characteristic {
        Characteristic {
            uuid: uuid::Uuid::from_u128(uuid),
            service_uuid: uuid::Uuid::from_u128(service),
            properties: CharPropFlags::WRITE | CharPropFlags::NOTIFY,
            descriptors: BTreeSet::new(),
        }
    }

    fn service(uuid: u128, characteristics: &[u128]) -> Service {
        Service {
            uuid: uuid::Uuid::from_u128(uuid),
            primary: true,
            characteristics: characteristics.iter().map(|ch| characteristic(uuid, *ch)).collect(),
        }
    }

    #[test]
    fn resolves_the_endpoints_the_device_has() {
        let device = BTreeSet::from([service(0x10, &[0x11, 0x12]), service(0x20, &[0x21])]);
        let wanted = BTreeMap::from([
            (
                Uuid::from_u128(0x10),
                BTreeMap::from([
                    (Endpoint::Tx, Uuid::from_u128(0x11)),
                    (Endpoint::Rx, Uuid::from_u128(0x12)),
                    (Endpoint::Firmware, Uuid::from_u128(0x13)),
                ]),
            ),
            (Uuid::from_u128(0x30), BTreeMap::from([(Endpoint::Command, Uuid::from_u128(0x31))])),
        ]);
        let resolved = resolve(&device, &wanted);
        assert_eq!(resolved.keys().copied().collect::<Vec<_>>(), [Endpoint::Rx, Endpoint::Tx]);
        assert_eq!(resolved[&Endpoint::Tx], characteristic(0x10, 0x11));
        assert_eq!(resolved[&Endpoint::Rx], characteristic(0x10, 0x12));
    }

    #[test]
    fn a_device_without_the_services_resolves_nothing() {
        let device = BTreeSet::from([service(0x10, &[0x11])]);
        let wanted = BTreeMap::from([(
            Uuid::from_u128(0x10),
            BTreeMap::from([(Endpoint::Tx, Uuid::from_u128(0x99))]),
        )]);
        assert!(resolve(&device, &wanted).is_empty());
        assert!(resolve(&BTreeSet::new(), &wanted).is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_operation_that_never_answers_times_out() {
        let started = tokio::time::Instant::now();
        let never = std::future::pending::<btleplug::Result<()>>();
        let result = within(Duration::from_secs(5), never).await;
        assert!(matches!(result, Err(HwError::Timeout)), "{result:?}");
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }

    #[test]
    fn lost_links_become_disconnected_and_causes_are_kept() {
        assert!(matches!(hw_error(btleplug::Error::NotConnected), HwError::Disconnected));
        assert!(matches!(hw_error(btleplug::Error::DeviceNotFound), HwError::Disconnected));
        let timed_out = hw_error(btleplug::Error::TimedOut(Duration::from_secs(1)));
        assert!(matches!(timed_out, HwError::Timeout));
        let other = hw_error(btleplug::Error::NoAdapterAvailable);
        assert_eq!(cause(&other), "backend error: No Bluetooth adapter available");
    }
}
