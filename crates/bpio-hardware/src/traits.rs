//! The traits backends implement: [`Hardware`] for a connected device, [`HardwareManager`] for
//! discovery, and [`DeviceConnector`] for turning a discovered device into a connected one.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::advertisement::AdvertisementBuf;
use crate::command::{HardwareCommand, HardwareEvent};
use crate::endpoint::Endpoint;
use crate::error::HwError;
use crate::sink::EventSink;
use crate::uuid::Uuid;

/// A connected device.
///
/// Methods take `&self` so that one device can be shared (`Arc<dyn Hardware>`) between the task
/// writing to it and the one waiting for its replies. Notifications and the disconnect are not
/// returned here: they go to the [`EventSink`] given to [`DeviceConnector::connect`].
#[async_trait]
pub trait Hardware: Send + Sync + fmt::Debug {
    /// The device's name as the backend knows it (BLE: advertised name). Personal data.
    fn name(&self) -> &str;

    /// The backend-specific, stable address. Personal data.
    fn address(&self) -> &str;

    /// The endpoints the device has by name after specialisation (BLE: the characteristics
    /// found; byte streams: `tx` and `rx`). Protocols tell firmware generations apart by them;
    /// which endpoints take writes and subscriptions is [`Hardware::endpoint_scope`].
    fn endpoints(&self) -> &[Endpoint];

    /// Which endpoints writes and subscriptions may name.
    fn endpoint_scope(&self) -> EndpointScope {
        EndpointScope::Named
    }

    /// Whether the platform drops idle links unless something is written periodically (e.g. BLE
    /// on a backgrounded mobile OS); protocols' backend-only keep-alives then apply.
    fn requires_keepalive(&self) -> bool {
        false
    }

    /// Writes `data` to `endpoint`.
    async fn write(
        &self,
        endpoint: Endpoint,
        data: &[u8],
        with_response: bool,
    ) -> Result<(), HwError>;

    /// Reads up to `length` bytes from `endpoint` (0: whatever is there), within `timeout`.
    async fn read(
        &self,
        endpoint: Endpoint,
        length: u32,
        timeout: Duration,
    ) -> Result<Vec<u8>, HwError>;

    /// Starts notifications from `endpoint`.
    async fn subscribe(&self, endpoint: Endpoint) -> Result<(), HwError>;

    /// Stops notifications from `endpoint`.
    async fn unsubscribe(&self, endpoint: Endpoint) -> Result<(), HwError>;

    /// Closes the connection. The sink then receives [`HardwareEvent::Disconnected`].
    async fn disconnect(&self) -> Result<(), HwError>;

    /// Performs one command; a read gives `Some(bytes)`, everything else `None`.
    async fn execute(&self, command: &HardwareCommand) -> Result<Option<Vec<u8>>, HwError> {
        match command {
            HardwareCommand::Write { endpoint, data, with_response } => {
                self.write(*endpoint, data, *with_response).await.map(|()| None)
            }
            HardwareCommand::Read { endpoint, length, timeout } => {
                self.read(*endpoint, *length, *timeout).await.map(Some)
            }
            HardwareCommand::Subscribe { endpoint } => {
                self.subscribe(*endpoint).await.map(|()| None)
            }
            HardwareCommand::Unsubscribe { endpoint } => {
                self.unsubscribe(*endpoint).await.map(|()| None)
            }
        }
    }
}

/// Which endpoints a connected device takes writes and subscriptions on
/// ([`Hardware::endpoint_scope`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointScope {
    /// Only those of [`Hardware::endpoints`], each a channel of its own.
    #[default]
    Named,
    /// Every endpoint: the connection is one channel each way, which carries whatever endpoint a
    /// protocol names (websocket devices, as with the reference). A write to any endpoint is sent
    /// over it, a subscription to any endpoint is served from what the device sends, and a read
    /// fails, since nothing can be read on demand.
    Every,
}

/// Serial parity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[allow(missing_docs)]
pub enum Parity {
    #[cfg_attr(feature = "serde", serde(rename = "N"))]
    None,
    #[cfg_attr(feature = "serde", serde(rename = "E"))]
    Even,
    #[cfg_attr(feature = "serde", serde(rename = "O"))]
    Odd,
}

/// Serial line settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialSettings {
    /// Line speed.
    pub baud_rate: u32,
    /// Data bits per character.
    pub data_bits: u8,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: u8,
}

/// How to open a discovered device, as the device config resolved it for the matched protocol
/// (docs/DEVICE_CONFIG.md 7.1 step 5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Specialization {
    /// BLE: GATT service → endpoint → characteristic. Every endpoint whose characteristic the
    /// device has becomes available; a device with none of them fails with
    /// [`HwError::NoEndpoints`].
    Btle {
        /// The `services` table of the matching `btle` specifier.
        services: BTreeMap<Uuid, BTreeMap<Endpoint, Uuid>>,
    },
    /// A serial port with these line settings.
    Serial(SerialSettings),
    /// Transports with fixed endpoints (HID, USB, websocket devices, game controllers,
    /// simulated devices): nothing to resolve.
    Fixed,
}

/// Connects one discovered device. Consumed by connecting: a device is connected at most once
/// per discovery.
#[async_trait]
pub trait DeviceConnector: Send + Sync + fmt::Debug {
    /// Opens the device with `specialization`; its notifications and disconnect go to `events`.
    async fn connect(
        self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError>;
}

/// A device a manager found.
#[derive(Debug)]
pub struct FoundDevice {
    /// The name to show in logs (debug level only: personal data).
    pub name: String,
    /// Stable address, checked against allow/deny lists and connected devices.
    pub address: String,
    /// What was observed; matched against protocols' specifiers.
    pub advertisement: AdvertisementBuf,
    /// Connects it.
    pub connector: Box<dyn DeviceConnector>,
}

/// What a manager reports.
#[derive(Debug)]
pub enum ManagerEvent {
    /// A device was found (BLE backends report the same device many times).
    Found(FoundDevice),
    /// A scan started with [`HardwareManager::start_scanning`] ended on its own or was stopped.
    ScanningFinished,
}

impl EventSink<ManagerEvent> {
    /// Reports every device in `found`, then [`ManagerEvent::ScanningFinished`]: a scan of a
    /// backend that lists its devices at once. Stops early when nobody listens any more.
    pub fn report_scan(&self, found: impl IntoIterator<Item = FoundDevice>) {
        for device in found {
            if self.send(ManagerEvent::Found(device)).is_err() {
                return;
            }
        }
        let _ = self.send(ManagerEvent::ScanningFinished);
    }
}

/// Discovery for one backend. Built with an [`EventSink<ManagerEvent>`] by the backend's own
/// constructor; found devices and the end of a scan are reported through it.
#[async_trait]
pub trait HardwareManager: Send + Sync + fmt::Debug {
    /// A short name for logs (`"btleplug"`, `"serial"`, `"simulated"`).
    fn name(&self) -> &'static str;

    /// Starts a scan. Backends that enumerate continuously report what they have and finish.
    async fn start_scanning(&self) -> Result<(), HwError>;

    /// Stops a scan; [`ManagerEvent::ScanningFinished`] follows.
    async fn stop_scanning(&self) -> Result<(), HwError>;
}
