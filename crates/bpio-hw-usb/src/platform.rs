//! The platform layer: the few USB operations the backend needs (enumerate, open, a control
//! transfer out, notice arrivals and removals) as a small trait, and its implementation over
//! nusb. Everything above this file is tested with a fake.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::ControlOut;
use futures_util::Stream;
use nusb::MaybeFuture;
use nusb::hotplug::HotplugEvent;
use nusb::transfer::{ControlType, Recipient};

/// An error of the platform layer, carried to the server as the source of a backend error.
pub type PlatformError = Box<dyn std::error::Error + Send + Sync>;

/// One USB device the platform lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbDeviceInfo {
    /// Where the device is plugged in: the bus, a dash, then the hub ports from the root, joined
    /// by dots (`1-2.3`, as Linux names it). The same port gives the same location after
    /// re-plugging. It names the device to [`UsbPlatform::open`] and in [`Hotplug::Removed`].
    pub location: String,
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// Product string, when the device has one.
    pub product: Option<String>,
    /// Serial number, when the device has one.
    pub serial_number: Option<String>,
}

/// A device came or went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hotplug {
    /// A device was plugged in.
    Arrived(UsbDeviceInfo),
    /// The device at this location was unplugged.
    Removed {
        /// Its [`UsbDeviceInfo::location`].
        location: String,
    },
}

/// Where a platform reports arrivals and removals; `false` means nobody listens any more, and
/// the platform may stop watching.
pub type HotplugReport = Box<dyn Fn(Hotplug) -> bool + Send + Sync>;

/// Why a control transfer failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The device is gone.
    #[error("the device is disconnected")]
    Disconnected,
    /// The transfer failed (stalled, timed out, refused); the device may still be there.
    #[error(transparent)]
    Failed(PlatformError),
}

/// What the backend asks of the platform.
pub trait UsbPlatform: Send + Sync + 'static {
    /// Every USB device present now.
    fn enumerate(&self) -> Result<Vec<UsbDeviceInfo>, PlatformError>;

    /// Opens the device at `location`.
    fn open(&self, location: &str) -> Result<Arc<dyn UsbHandle>, PlatformError>;

    /// Reports every later arrival and removal to `report`, from a thread or callback of the
    /// platform's own, until `report` returns `false`.
    fn watch(&self, report: HotplugReport) -> Result<(), PlatformError>;
}

/// One open USB device.
#[async_trait]
pub trait UsbHandle: Send + Sync + 'static {
    /// Performs a host-to-device control transfer within `timeout`.
    async fn control_out(
        &self,
        transfer: &ControlOut,
        timeout: Duration,
    ) -> Result<(), TransferError>;
}

/// nusb as the platform: usbfs on Linux (no libusb, no libudev), IOKit on macOS, WinUSB on
/// Windows.
#[derive(Debug, Default)]
pub struct Nusb;

impl UsbPlatform for Nusb {
    fn enumerate(&self) -> Result<Vec<UsbDeviceInfo>, PlatformError> {
        Ok(list()?.map(|info| device_info(&info)).collect())
    }

    fn open(&self, location: &str) -> Result<Arc<dyn UsbHandle>, PlatformError> {
        let info = list()?
            .find(|info| location_of(info) == location)
            .ok_or("no USB device is plugged in there any more")?;
        // Control transfers go through a claimed interface, the one way every platform
        // offers (WinUSB has no other); the first interface is the one a device's requests
        // name when it has a single one.
        let number = info.interfaces().next().map_or(0, nusb::InterfaceInfo::interface_number);
        let device = info.open().wait()?;
        let interface = device.claim_interface(number).wait()?;
        Ok(Arc::new(NusbHandle(interface)))
    }

    fn watch(&self, report: HotplugReport) -> Result<(), PlatformError> {
        let events = nusb::watch_devices()?;
        // A removal names only nusb's id of the device: remember where each one is.
        let present: HashMap<nusb::DeviceId, String> =
            list()?.map(|info| (info.id(), location_of(&info))).collect();
        std::thread::Builder::new()
            .name("usb-hotplug".to_owned())
            .spawn(move || watch_loop(events, present, &report))?;
        Ok(())
    }
}

/// The devices nusb lists. A system without a USB bus at all (a virtual machine or container
/// without one) has no devices, which is no error.
fn list() -> Result<Box<dyn Iterator<Item = nusb::DeviceInfo>>, PlatformError> {
    match nusb::list_devices().wait() {
        Ok(devices) => Ok(Box::new(devices)),
        Err(_) if !has_usb_bus() => Ok(Box::new(std::iter::empty())),
        Err(err) => Err(err.into()),
    }
}

/// Whether the kernel has a USB bus; only Linux can be without one and still run.
fn has_usb_bus() -> bool {
    !cfg!(target_os = "linux") || std::path::Path::new("/sys/bus/usb").exists()
}

/// Takes nusb's hot-plug events as they come, parking in between, until nobody listens.
fn watch_loop(
    mut events: nusb::hotplug::HotplugWatch,
    mut present: HashMap<nusb::DeviceId, String>,
    report: &HotplugReport,
) {
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    loop {
        let event = match Pin::new(&mut events).poll_next(&mut context) {
            Poll::Pending => {
                std::thread::park();
                continue;
            }
            Poll::Ready(None) => return,
            Poll::Ready(Some(event)) => event,
        };
        let listened = match event {
            HotplugEvent::Connected(info) => {
                let location = location_of(&info);
                present.insert(info.id(), location);
                report(Hotplug::Arrived(device_info(&info)))
            }
            HotplugEvent::Disconnected(id) => match present.remove(&id) {
                Some(location) => report(Hotplug::Removed { location }),
                None => true,
            },
        };
        if !listened {
            return;
        }
    }
}

/// Wakes the watching thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn location_of(info: &nusb::DeviceInfo) -> String {
    let ports: Vec<String> = info.port_chain().iter().map(u8::to_string).collect();
    match ports.as_slice() {
        [] => info.bus_id().to_owned(),
        _ => format!("{}-{}", info.bus_id(), ports.join(".")),
    }
}

fn device_info(info: &nusb::DeviceInfo) -> UsbDeviceInfo {
    UsbDeviceInfo {
        location: location_of(info),
        vendor_id: info.vendor_id(),
        product_id: info.product_id(),
        product: info.product_string().map(str::to_owned),
        serial_number: info.serial_number().map(str::to_owned),
    }
}

struct NusbHandle(nusb::Interface);

#[async_trait]
impl UsbHandle for NusbHandle {
    async fn control_out(
        &self,
        transfer: &ControlOut,
        timeout: Duration,
    ) -> Result<(), TransferError> {
        let (control_type, recipient) = split_request_type(transfer.request_type)
            .map_err(|reason| TransferError::Failed(reason.into()))?;
        let setup = nusb::transfer::ControlOut {
            control_type,
            recipient,
            request: transfer.request,
            value: transfer.value,
            index: transfer.index,
            data: &transfer.data,
        };
        match self.0.control_out(setup, timeout).await {
            Ok(()) => Ok(()),
            Err(nusb::transfer::TransferError::Disconnected) => Err(TransferError::Disconnected),
            Err(other) => Err(TransferError::Failed(Box::new(other))),
        }
    }
}

/// The type (bits 5–6) and recipient (bits 0–4) of a `bmRequestType`, as nusb names them.
fn split_request_type(request_type: u8) -> Result<(ControlType, Recipient), String> {
    let control_type = match (request_type >> 5) & 0b11 {
        0 => ControlType::Standard,
        1 => ControlType::Class,
        2 => ControlType::Vendor,
        _ => return Err(format!("request type {request_type:#04x} has the reserved type 3")),
    };
    let recipient = match request_type & 0b1_1111 {
        0 => Recipient::Device,
        1 => Recipient::Interface,
        2 => Recipient::Endpoint,
        3 => Recipient::Other,
        _ => return Err(format!("request type {request_type:#04x} names no recipient")),
    };
    Ok((control_type, recipient))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_types_split_into_type_and_recipient() {
        assert!(matches!(
            split_request_type(0x41),
            Ok((ControlType::Vendor, Recipient::Interface))
        ));
        assert!(matches!(split_request_type(0x00), Ok((ControlType::Standard, Recipient::Device))));
        assert!(matches!(split_request_type(0x23), Ok((ControlType::Class, Recipient::Other))));
        assert!(split_request_type(0x61).is_err(), "type 3 is reserved");
        assert!(split_request_type(0x44).is_err(), "recipient 4 is none");
    }
}
