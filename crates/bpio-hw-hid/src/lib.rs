//! HID hardware backend: devices the operating system sees as HID (USB or Bluetooth classic),
//! recognised by their vendor and product ids.
//!
//! The key design decision: **hidapi sits behind a two-trait platform layer ([`HidPlatform`],
//! [`HidHandle`]) that only enumerates, opens, writes a report and takes a waiting report.**
//! Everything above it (scanning, addresses, the I/O thread, removal) is plain code tested with
//! a fake platform, because a machine without HID devices cannot run hidapi's side.
//!
//! A scan reports every interface once per device: the device's serial number is its address,
//! as with the reference, so user records keep working; a device without one is addressed by its
//! platform path. A connected device has `tx` (output reports, first byte the report id) and
//! `rx` (input reports, as notifications). Its one I/O thread performs writes as they come and
//! looks for input reports every [`INPUT_POLL`]; a failed read means the device was removed and
//! is reported as a disconnect.
//!
//! On Linux hidapi runs its pure-Rust hidraw backend, so building needs no system library.
#![warn(missing_docs)]

mod device;
mod platform;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    AdvertisementBuf, DeviceConnector, EventSink, FoundDevice, Hardware, HardwareEvent,
    HardwareManager, HwError, ManagerEvent, Specialization, UsbId,
};
use tracing::{debug, warn};

pub use platform::{HidDeviceInfo, HidHandle, HidPlatform, Hidapi, PlatformError};

/// How often a connected device is asked for waiting input reports.
pub const INPUT_POLL: Duration = Duration::from_millis(10);

/// The [`HardwareManager`] for HID devices. A scan reports each present device once and
/// finishes; the server ignores devices no protocol claims and devices already connected.
pub struct HidManager {
    events: EventSink<ManagerEvent>,
    platform: Arc<dyn HidPlatform>,
}

impl fmt::Debug for HidManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HidManager")
    }
}

impl HidManager {
    /// A manager over hidapi, reporting to `events`.
    pub fn new(events: EventSink<ManagerEvent>) -> Self {
        Self::with_platform(events, Arc::new(Hidapi::default()))
    }

    /// A manager over another platform layer (tests use a fake).
    pub fn with_platform(events: EventSink<ManagerEvent>, platform: Arc<dyn HidPlatform>) -> Self {
        Self { events, platform }
    }
}

#[async_trait]
impl HardwareManager for HidManager {
    fn name(&self) -> &'static str {
        "hid"
    }

    async fn start_scanning(&self) -> Result<(), HwError> {
        let devices = match self.platform.enumerate() {
            Ok(devices) => devices,
            Err(err) => {
                // The scan still ends, so a client waiting for ScanningFinished gets it.
                warn!(cause = %err, "cannot list HID devices");
                Vec::new()
            }
        };
        self.events.report_scan(found_devices(devices, &self.platform));
        Ok(())
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        Ok(())
    }
}

/// One found device per address: a device with several interfaces is listed once per
/// interface, and the first one listed is the one opened.
fn found_devices(devices: Vec<HidDeviceInfo>, platform: &Arc<dyn HidPlatform>) -> Vec<FoundDevice> {
    let mut found: Vec<FoundDevice> = Vec::new();
    for info in devices {
        let address = info.serial_number.clone().filter(|serial| !serial.is_empty());
        let address = address.unwrap_or_else(|| info.path.clone());
        if found.iter().any(|device| device.address == address) {
            continue;
        }
        let id = UsbId { vendor_id: info.vendor_id, product_id: info.product_id };
        let name = info.product.clone().unwrap_or_else(|| {
            format!("HID device {:04x}:{:04x}", info.vendor_id, info.product_id)
        });
        debug!(%name, %address, vendor = id.vendor_id, product = id.product_id, "HID device");
        let connector =
            HidConnector { platform: Arc::clone(platform), info, address: address.clone() };
        found.push(FoundDevice {
            name,
            address,
            advertisement: AdvertisementBuf::Hid(id),
            connector: Box::new(connector),
        });
    }
    found
}

/// Opens one HID interface.
struct HidConnector {
    platform: Arc<dyn HidPlatform>,
    info: HidDeviceInfo,
    address: String,
}

impl fmt::Debug for HidConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HidConnector").field("info", &self.info).finish_non_exhaustive()
    }
}

#[async_trait]
impl DeviceConnector for HidConnector {
    async fn connect(
        self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        if !matches!(specialization, Specialization::Fixed) {
            return Err(HwError::WrongSpecialization);
        }
        let handle = self.platform.open(&self.info.path).map_err(HwError::Backend)?;
        let name = self.info.product.unwrap_or_default();
        Ok(Arc::new(device::start(name, self.address, handle, events)?))
    }
}
