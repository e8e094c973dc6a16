//! Which devices are connected and which were lost to unplugging: shared by the manager, the
//! platform's hot-plug reports and each connected device.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError, Weak};

use bpio_hardware::DeviceLink;
use tracing::{debug, info};

#[derive(Debug, Default)]
pub(crate) struct Table {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Connected devices by location.
    connected: HashMap<String, Connected>,
    /// Addresses of devices that were unplugged while connected: found again when they return.
    lost: HashSet<String>,
}

#[derive(Debug)]
struct Connected {
    address: String,
    link: Weak<DeviceLink>,
}

impl Table {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A device at `location` is connected through `link`.
    pub(crate) fn connected(&self, location: &str, address: &str, link: Weak<DeviceLink>) {
        let mut state = self.lock();
        state.lost.remove(address);
        state
            .connected
            .insert(location.to_owned(), Connected { address: address.to_owned(), link });
    }

    /// The device at `location` was unplugged (or failed as a device that is gone does): its link
    /// closes, which reports the disconnect once, and it is found again when it returns.
    pub(crate) fn lost(&self, location: &str) {
        let mut state = self.lock();
        let Some(device) = state.connected.remove(location) else { return };
        let Some(link) = device.link.upgrade() else { return };
        if link.is_closed() {
            return;
        }
        info!("USB device unplugged");
        debug!(address = %device.address, %location, "USB device unplugged");
        link.close();
        state.lost.insert(device.address);
    }

    /// The server let the device at `location` go: it is not found again on its own.
    pub(crate) fn released(&self, location: &str) {
        self.lock().connected.remove(location);
    }

    /// Whether a device that arrives at `address` is one that was lost; it is then forgotten, so
    /// it is reported once.
    pub(crate) fn returned(&self, address: &str) -> bool {
        self.lock().lost.remove(address)
    }
}
