//! One open USB device: its endpoint `txvendorcontrol` takes control transfers.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{ControlOut, DeviceLink, Endpoint, Hardware, HwError};
use tracing::{debug, trace};

use crate::platform::{TransferError, UsbHandle};
use crate::table::Table;
use crate::{CONTROL_TIMEOUT, UsbError};

/// The one endpoint: the control pipe, written as [`ControlOut`]'s bytes.
const ENDPOINTS: [Endpoint; 1] = [Endpoint::TxVendorControl];

pub(crate) struct UsbHardware {
    name: String,
    address: String,
    location: String,
    link: Arc<DeviceLink>,
    /// Taken when the server lets the device go, which closes it once no transfer uses it.
    handle: Mutex<Option<Arc<dyn UsbHandle>>>,
    table: Arc<Table>,
}

impl std::fmt::Debug for UsbHardware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsbHardware").field("link", &self.link).finish_non_exhaustive()
    }
}

impl UsbHardware {
    pub(crate) fn new(
        name: String,
        address: String,
        location: String,
        link: Arc<DeviceLink>,
        handle: Arc<dyn UsbHandle>,
        table: Arc<Table>,
    ) -> Self {
        Self { name, address, location, link, handle: Mutex::new(Some(handle)), table }
    }

    fn check(&self, endpoint: Endpoint) -> Result<(), HwError> {
        if endpoint != Endpoint::TxVendorControl {
            return Err(HwError::NoEndpoint(endpoint));
        }
        if self.link.is_closed() {
            return Err(HwError::Disconnected);
        }
        Ok(())
    }

    fn handle(&self) -> Option<Arc<dyn UsbHandle>> {
        self.handle.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

#[async_trait]
impl Hardware for UsbHardware {
    fn name(&self) -> &str {
        &self.name
    }

    fn address(&self) -> &str {
        &self.address
    }

    fn endpoints(&self) -> &[Endpoint] {
        &ENDPOINTS
    }

    async fn write(&self, endpoint: Endpoint, data: &[u8], _: bool) -> Result<(), HwError> {
        self.check(endpoint)?;
        let transfer = ControlOut::parse(data)
            .map_err(|err| HwError::Backend(Box::new(UsbError::from(err))))?;
        let handle = self.handle().ok_or(HwError::Disconnected)?;
        trace!(request = transfer.request, value = transfer.value, "USB control transfer");
        match handle.control_out(&transfer, CONTROL_TIMEOUT).await {
            Ok(()) => Ok(()),
            Err(TransferError::Disconnected) => {
                self.table.lost(&self.location);
                Err(HwError::Disconnected)
            }
            Err(TransferError::Failed(source)) => {
                debug!(cause = %source, "USB control transfer failed");
                Err(HwError::Backend(Box::new(UsbError::Transfer {
                    request_type: transfer.request_type,
                    request: transfer.request,
                    source,
                })))
            }
        }
    }

    async fn read(&self, endpoint: Endpoint, _: u32, _: Duration) -> Result<Vec<u8>, HwError> {
        self.check(endpoint)?;
        Err(HwError::Unsupported("a USB device here takes control transfers out only"))
    }

    async fn subscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.check(endpoint)?;
        Err(HwError::Unsupported("a USB device here sends no notifications"))
    }

    async fn unsubscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.check(endpoint)?;
        Err(HwError::Unsupported("a USB device here sends no notifications"))
    }

    async fn disconnect(&self) -> Result<(), HwError> {
        self.table.released(&self.location);
        self.handle.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.link.close();
        Ok(())
    }
}
