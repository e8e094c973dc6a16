//! Raw USB hardware backend: devices that are neither HID nor serial and that protocols drive
//! with control transfers (the Rez TranceVibrator), recognised by the vendor and product ids the
//! device database names in its `usb` specifiers.
//!
//! The key design decision: **nusb sits behind a small platform layer ([`UsbPlatform`],
//! [`UsbHandle`]) that only enumerates, opens, performs a control transfer out and reports
//! arrivals and removals.** Everything above it (which devices count, addresses, unplugging and
//! plugging back) is plain code tested with a fake platform, because a machine without such a
//! device cannot run nusb's side.
//!
//! A scan reports each present device whose ids the manager was given, once. Its address is
//! its serial number, or where it is plugged in (bus and hub ports, `1-2.3`) when it has none,
//! so the same device keeps its address, and the user's records about it, across re-plugging.
//!
//! A connected device has one endpoint, `txvendorcontrol`: each write to it is one control
//! transfer, its bytes laid out as [`bpio_hardware::ControlOut`] says (`bmRequestType`,
//! `bRequest`, `wValue` and `wIndex` little-endian, then the data stage), performed within
//! [`CONTROL_TIMEOUT`]. Nothing can be read or subscribed to.
//!
//! The manager watches for arrivals and removals from its first scan on. A connected device that
//! is unplugged is a disconnect, reported once; plugged back, it is reported found again at
//! once, under the same address, and the server admits it like any other. A device the server
//! let go is found again only by a scan. nusb needs neither libusb nor libudev.
#![warn(missing_docs)]

mod device;
mod platform;
mod table;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    AdvertisementBuf, DeviceConnector, DeviceLink, EventSink, FoundDevice, Hardware, HardwareEvent,
    HardwareManager, HwError, InvalidControl, ManagerEvent, Specialization, UsbId,
};
use tracing::{debug, info, warn};

pub use platform::{
    Hotplug, HotplugReport, Nusb, PlatformError, TransferError, UsbDeviceInfo, UsbHandle,
    UsbPlatform,
};

use crate::device::UsbHardware;
use crate::table::Table;

/// How long one control transfer may take; a device answers one in about a millisecond.
pub const CONTROL_TIMEOUT: Duration = Duration::from_secs(1);

/// Why a write to a USB device failed, as the source of [`HwError::Backend`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UsbError {
    /// The device refused or did not finish the transfer.
    #[error(
        "the USB control transfer (request type {request_type:#04x}, request {request:#04x}) failed"
    )]
    Transfer {
        /// Its `bmRequestType`.
        request_type: u8,
        /// Its `bRequest`.
        request: u8,
        /// What the platform said.
        #[source]
        source: PlatformError,
    },
    /// The bytes written are no control transfer (a protocol's mistake).
    #[error("the bytes written to txvendorcontrol are no control transfer")]
    NotAControlTransfer(#[from] InvalidControl),
}

/// The [`HardwareManager`] for raw USB devices.
pub struct UsbManager {
    shared: Arc<Shared>,
}

struct Shared {
    events: EventSink<ManagerEvent>,
    platform: Arc<dyn UsbPlatform>,
    /// The vendor/product ids of the database's `usb` specifiers.
    ids: Vec<UsbId>,
    table: Arc<Table>,
    watching: AtomicBool,
}

impl fmt::Debug for UsbManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsbManager").field("ids", &self.shared.ids).finish_non_exhaustive()
    }
}

impl UsbManager {
    /// A manager over nusb for the devices with these `ids`, reporting to `events`.
    pub fn new(events: EventSink<ManagerEvent>, ids: impl IntoIterator<Item = UsbId>) -> Self {
        Self::with_platform(events, ids, Arc::new(Nusb))
    }

    /// A manager over another platform layer (tests use a fake).
    pub fn with_platform(
        events: EventSink<ManagerEvent>,
        ids: impl IntoIterator<Item = UsbId>,
        platform: Arc<dyn UsbPlatform>,
    ) -> Self {
        let mut ids: Vec<UsbId> = ids.into_iter().collect();
        ids.sort_by_key(|id| (id.vendor_id, id.product_id));
        ids.dedup();
        let shared = Shared {
            events,
            platform,
            ids,
            table: Arc::default(),
            watching: AtomicBool::new(false),
        };
        Self { shared: Arc::new(shared) }
    }
}

#[async_trait]
impl HardwareManager for UsbManager {
    fn name(&self) -> &'static str {
        "usb"
    }

    async fn start_scanning(&self) -> Result<(), HwError> {
        watch(&self.shared);
        let devices = match self.shared.platform.enumerate() {
            Ok(devices) => devices,
            Err(err) => {
                // The scan still ends, so a client waiting for ScanningFinished gets it.
                warn!(cause = %err, "cannot list USB devices");
                Vec::new()
            }
        };
        let found = devices
            .into_iter()
            .filter(|info| self.shared.wants(info))
            .map(|info| found_device(&self.shared, info));
        self.shared.events.report_scan(found);
        Ok(())
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        Ok(())
    }
}

impl Shared {
    fn wants(&self, info: &UsbDeviceInfo) -> bool {
        let id = UsbId { vendor_id: info.vendor_id, product_id: info.product_id };
        self.ids.contains(&id)
    }
}

/// Starts watching for arrivals and removals unless the manager already does; a platform that
/// cannot watch is asked again at the next scan.
fn watch(shared: &Arc<Shared>) {
    if shared.watching.swap(true, Ordering::AcqRel) {
        return;
    }
    let weak = Arc::downgrade(shared);
    if let Err(err) = shared.platform.watch(Box::new(move |event| hotplug(&weak, event))) {
        warn!(cause = %err, "cannot watch USB devices come and go; an unplugged device is noticed at its next write");
        shared.watching.store(false, Ordering::Release);
    }
}

/// Handles one arrival or removal; `false` once the manager is gone.
fn hotplug(shared: &Weak<Shared>, event: Hotplug) -> bool {
    let Some(shared) = shared.upgrade() else { return false };
    match event {
        Hotplug::Removed { location } => shared.table.lost(&location),
        Hotplug::Arrived(info) => {
            if shared.wants(&info) && shared.table.returned(&address_of(&info)) {
                info!("USB device plugged back");
                let found = found_device(&shared, info);
                return shared.events.send(ManagerEvent::Found(found)).is_ok();
            }
        }
    }
    true
}

/// The serial number, or the location when the device has none.
fn address_of(info: &UsbDeviceInfo) -> String {
    let serial = info.serial_number.as_ref().filter(|serial| !serial.is_empty());
    serial.unwrap_or(&info.location).clone()
}

fn found_device(shared: &Arc<Shared>, info: UsbDeviceInfo) -> FoundDevice {
    let id = UsbId { vendor_id: info.vendor_id, product_id: info.product_id };
    let address = address_of(&info);
    let name = info
        .product
        .clone()
        .unwrap_or_else(|| format!("USB device {:04x}:{:04x}", info.vendor_id, info.product_id));
    debug!(%name, %address, vendor = id.vendor_id, product = id.product_id, "USB device");
    let connector = UsbConnector {
        platform: Arc::clone(&shared.platform),
        table: Arc::clone(&shared.table),
        name: name.clone(),
        address: address.clone(),
        location: info.location,
    };
    FoundDevice {
        name,
        address,
        advertisement: AdvertisementBuf::Usb(id),
        connector: Box::new(connector),
    }
}

/// Opens one USB device.
struct UsbConnector {
    platform: Arc<dyn UsbPlatform>,
    table: Arc<Table>,
    name: String,
    address: String,
    location: String,
}

impl fmt::Debug for UsbConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsbConnector").field("location", &self.location).finish_non_exhaustive()
    }
}

#[async_trait]
impl DeviceConnector for UsbConnector {
    async fn connect(
        self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        if !matches!(specialization, Specialization::Fixed) {
            return Err(HwError::WrongSpecialization);
        }
        let handle = self.platform.open(&self.location).map_err(HwError::Backend)?;
        let link = Arc::new(DeviceLink::new());
        link.attach(events)?;
        self.table.connected(&self.location, &self.address, Arc::downgrade(&link));
        info!("USB device opened");
        debug!(name = %self.name, address = %self.address, "USB device");
        let Self { table, name, address, location, .. } = *self;
        Ok(Arc::new(UsbHardware::new(name, address, location, link, handle, table)))
    }
}
