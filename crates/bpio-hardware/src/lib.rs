//! The interface every bpio hardware backend implements, and the types shared by backends,
//! device protocols and the device database.
//!
//! The key design decision: **hardware I/O is data plus a small object-safe async trait, and
//! events flow through a callback the server supplies.** Protocols (pure state machines in
//! `bpio-device-protocols`) produce [`HardwareCommand`]s; the server performs each with
//! [`Hardware::execute`]. Notifications, disconnects, found devices and the end of a scan are
//! delivered through an [`EventSink`], a non-blocking callback, so a backend may run on tokio, on
//! its own thread or inside a platform callback, and the server (one tokio `select!` loop) can
//! put everything into one channel of its own choosing, tagged per device with
//! [`EventSink::map`].
//!
//! The flow:
//! 1. The server builds each [`HardwareManager`] with an `EventSink<ManagerEvent>` and calls
//!    [`HardwareManager::start_scanning`].
//! 2. A manager reports [`ManagerEvent::Found`] with a [`FoundDevice`]: name, address, the
//!    [`AdvertisementBuf`] the device config matches on, and a [`DeviceConnector`].
//! 3. The server matches the advertisement, resolves a [`Specialization`] from the matching
//!    specifier (BLE services → endpoints, serial line settings), and calls
//!    [`DeviceConnector::connect`] with an `EventSink<HardwareEvent>` for that device.
//! 4. The connected [`Hardware`] takes commands; its [`HardwareEvent`]s arrive through the sink
//!    until [`HardwareEvent::Disconnected`].
//!
//! Backends whose I/O runs in a task or thread of its own share a [`DeviceLink`] between it and
//! their [`Hardware`], so the disconnect reaches the server exactly once; byte-stream devices
//! (serial, HID, websocket) use [`StreamHardware`] over a [`StreamTransport`] of their own.
//! A USB control transfer travels as a write of [`ControlOut`]'s bytes.
//!
//! [`Endpoint`], [`Uuid`] and [`Advertisement`] are defined here once and re-exported by
//! `bpio-device-config`, whose file formats name them; the optional `serde` feature exists only
//! for that. The `sim` feature adds the `sim` module: simulated devices that emulate firmware, for tests
//! and `--simulate`; it is the only part that uses tokio.
#![warn(missing_docs)]

mod advertisement;
mod command;
mod control;
mod endpoint;
mod error;
mod link;
mod sink;
mod stream;
mod traits;
mod uuid;

#[cfg(feature = "sim")]
pub mod sim;

pub use advertisement::{Advertisement, AdvertisementBuf, CompanyData, Transport, UsbId};
pub use command::{HardwareCommand, HardwareEvent};
pub use control::{ControlOut, InvalidControl};
pub use endpoint::{Endpoint, UnknownEndpoint};
pub use error::HwError;
pub use link::DeviceLink;
pub use sink::{EventSink, SinkClosed};
pub use stream::{StreamHardware, StreamTransport};
pub use traits::{
    DeviceConnector, EndpointScope, FoundDevice, Hardware, HardwareManager, ManagerEvent, Parity,
    SerialSettings, Specialization,
};
pub use uuid::{InvalidUuid, Uuid};
