//! Serial-port hardware backend: devices on serial ports (USB serial adapters, DIY boards
//! speaking TCode), opened with the line settings of the device database's `serial` specifier.
//!
//! The key design decision: **a scan reports the ports the operating system enumerates and,
//! besides them, every port the device config names by path.** Enumeration never lists
//! pseudo-terminals or ports of unusual drivers, and DIY users name their port in their user
//! config, so a named port that exists is reported whether or not enumeration saw it.
//!
//! A connected port is a byte stream: `tx` writes to it, and what the device sends arrives as
//! notifications on `rx`, one per burst (bytes that arrive together, ended by a short quiet
//! time). Each port has a reader and a writer thread of its own, so nothing here needs an async
//! runtime and a slow port never blocks one; a read error or end of stream (the adapter was
//! unplugged, the other end of a pseudo-terminal closed) is reported as a disconnect.
//!
//! Enumeration on Linux reads sysfs (`serialport` without its `libudev` feature), so building
//! needs no system library.
#![warn(missing_docs)]

mod port;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bpio_hardware::{
    AdvertisementBuf, DeviceConnector, EventSink, FoundDevice, Hardware, HardwareEvent,
    HardwareManager, HwError, ManagerEvent, Specialization,
};
use tracing::{debug, warn};

/// The port name base databases use, which names no real port (docs/DEVICE_CONFIG.md 3.2).
const PLACEHOLDER_PORT: &str = "default";

/// The [`HardwareManager`] for serial ports. A scan reports every candidate port once and
/// finishes; the server ignores ports no protocol claims and ports already connected.
pub struct SerialManager {
    events: EventSink<ManagerEvent>,
    named: Vec<String>,
}

impl fmt::Debug for SerialManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SerialManager").field("named_ports", &self.named.len()).finish()
    }
}

impl SerialManager {
    /// A manager reporting to `events`, which also looks at `named_ports`: the ports the device
    /// config's `serial` specifiers name (the database's placeholder `"default"` is skipped).
    pub fn new(
        events: EventSink<ManagerEvent>,
        named_ports: impl IntoIterator<Item = String>,
    ) -> Self {
        let mut named: Vec<String> =
            named_ports.into_iter().filter(|port| port != PLACEHOLDER_PORT).collect();
        named.sort();
        named.dedup();
        Self { events, named }
    }
}

#[async_trait]
impl HardwareManager for SerialManager {
    fn name(&self) -> &'static str {
        "serial"
    }

    async fn start_scanning(&self) -> Result<(), HwError> {
        let enumerated = match serialport::available_ports() {
            Ok(ports) => ports.into_iter().map(|info| info.port_name).collect(),
            Err(err) => {
                // The named ports can still be opened.
                warn!(cause = %err, "cannot enumerate serial ports");
                Vec::new()
            }
        };
        let ports = ports_to_report(enumerated, &self.named, port_exists);
        self.events.report_scan(ports.into_iter().map(|port| {
            debug!(%port, "serial port");
            FoundDevice {
                name: port.clone(),
                address: port.clone(),
                advertisement: AdvertisementBuf::Serial { port: port.clone() },
                connector: Box::new(SerialConnector { port }),
            }
        }));
        Ok(())
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        Ok(())
    }
}

/// The ports a scan reports: every enumerated port, then every named port that `exists` and
/// enumeration did not list, each once.
fn ports_to_report(
    enumerated: Vec<String>,
    named: &[String],
    exists: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut ports = enumerated;
    for port in named {
        if !ports.contains(port) && exists(port) {
            ports.push(port.clone());
        }
    }
    ports
}

/// Whether a named port is there to open. Unix ports are paths; elsewhere (`COM7`) there is no
/// cheap check, and opening a missing port fails with a clear error instead.
fn port_exists(port: &str) -> bool {
    if cfg!(unix) { std::path::Path::new(port).exists() } else { true }
}

/// Opens one serial port.
#[derive(Debug)]
struct SerialConnector {
    port: String,
}

#[async_trait]
impl DeviceConnector for SerialConnector {
    async fn connect(
        self: Box<Self>,
        specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        let Specialization::Serial(settings) = specialization else {
            return Err(HwError::WrongSpecialization);
        };
        Ok(Arc::new(port::open(self.port, settings, events)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ports: &[&str]) -> Vec<String> {
        ports.iter().map(|port| (*port).to_owned()).collect()
    }

    #[test]
    fn named_ports_that_exist_join_the_enumerated_ones() {
        let enumerated = names(&["/dev/ttyUSB0", "/dev/ttyACM0"]);
        let named = names(&["/dev/ttyACM0", "/dev/pts/7", "/dev/gone"]);
        let exists = |port: &str| port != "/dev/gone";
        assert_eq!(
            ports_to_report(enumerated, &named, exists),
            names(&["/dev/ttyUSB0", "/dev/ttyACM0", "/dev/pts/7"])
        );
    }

    #[test]
    fn the_placeholder_port_is_never_named() {
        let (events, _) = bpio_hardware::sim::channel();
        let manager = SerialManager::new(events, names(&["default", "/dev/b", "/dev/a", "/dev/b"]));
        assert_eq!(manager.named, names(&["/dev/a", "/dev/b"]));
    }
}
