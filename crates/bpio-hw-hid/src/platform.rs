//! The platform layer: the few HID operations the backend needs, as a small trait, and its
//! implementation over hidapi. Everything above this file is tested with a fake.

use std::ffi::CString;
use std::sync::{Mutex, PoisonError};

/// An error of the platform layer, carried to the server as a backend error.
pub type PlatformError = Box<dyn std::error::Error + Send + Sync>;

/// One HID interface the platform lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HidDeviceInfo {
    /// Platform path that opens the interface.
    pub path: String,
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// Product string, when the device has one.
    pub product: Option<String>,
    /// Serial number, when the device has one.
    pub serial_number: Option<String>,
}

/// What the backend asks of the platform.
pub trait HidPlatform: Send + Sync + 'static {
    /// Every HID interface present now.
    fn enumerate(&self) -> Result<Vec<HidDeviceInfo>, PlatformError>;

    /// Opens the interface at `path`.
    fn open(&self, path: &str) -> Result<Box<dyn HidHandle>, PlatformError>;
}

/// One open HID interface; used from one thread at a time.
pub trait HidHandle: Send + 'static {
    /// Sends an output report; the first byte is the report id (0 when the device numbers none).
    fn write(&mut self, report: &[u8]) -> Result<(), PlatformError>;

    /// Takes one waiting input report into `buffer` without blocking; `Ok(0)` when none waits.
    /// An error means the device is gone.
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize, PlatformError>;
}

/// hidapi as the platform. Its context is created on first use, so an engine without HID
/// devices never touches the platform's HID layer.
#[derive(Default)]
pub struct Hidapi {
    api: Mutex<Option<hidapi::HidApi>>,
}

impl std::fmt::Debug for Hidapi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hidapi")
    }
}

impl HidPlatform for Hidapi {
    fn enumerate(&self) -> Result<Vec<HidDeviceInfo>, PlatformError> {
        let mut api = self.api.lock().unwrap_or_else(PoisonError::into_inner);
        let api = match api.as_mut() {
            Some(api) => {
                api.refresh_devices()?;
                api
            }
            // Creating the context enumerates.
            None => api.insert(hidapi::HidApi::new()?),
        };
        Ok(api
            .device_list()
            .map(|info| HidDeviceInfo {
                path: info.path().to_string_lossy().into_owned(),
                vendor_id: info.vendor_id(),
                product_id: info.product_id(),
                product: info.product_string().map(str::to_owned),
                serial_number: info.serial_number().map(str::to_owned),
            })
            .collect())
    }

    fn open(&self, path: &str) -> Result<Box<dyn HidHandle>, PlatformError> {
        let path = CString::new(path)?;
        let mut api = self.api.lock().unwrap_or_else(PoisonError::into_inner);
        let api = match api.as_mut() {
            Some(api) => api,
            None => api.insert(hidapi::HidApi::new()?),
        };
        Ok(Box::new(HidapiHandle(api.open_path(&path)?)))
    }
}

struct HidapiHandle(hidapi::HidDevice);

impl HidHandle for HidapiHandle {
    fn write(&mut self, report: &[u8]) -> Result<(), PlatformError> {
        let sent = self.0.write(report)?;
        if sent < report.len() {
            return Err(format!("only {sent} of {} bytes were sent", report.len()).into());
        }
        Ok(())
    }

    fn read(&mut self, buffer: &mut [u8]) -> Result<usize, PlatformError> {
        Ok(self.0.read_timeout(buffer, 0)?)
    }
}
