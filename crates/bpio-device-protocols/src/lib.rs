//! Device protocols: how each kind of toy is identified, initialised, commanded and read.
//!
//! The key design decision: **a protocol is a pure state machine.** It never performs I/O,
//! never awaits and never reads the clock. Handshakes are [`Step`]s ("write this", "wait this
//! long for a notification on that endpoint", "done") that the driver performs and answers;
//! commands become [`bpio_hardware::HardwareCommand`]s as data; notifications come in as
//! bytes. The server drives it with tokio and real hardware, tests drive it synchronously
//! with scripted devices and byte vectors (`test_data/`), and both see the same bytes.
//!
//! Entry point: [`ProtocolDevice`], which wraps the [`Protocol`] implementation named by the
//! device database ([`registry`]) and checks every command against the device's features
//! before any bytes are produced. Each protocol is one file in `src/protocols/`, found by the
//! build script: adding a protocol is adding its file and its byte vectors.
#![warn(missing_docs)]
#![warn(clippy::indexing_slicing)]

mod device;
mod error;
mod protocol;
mod protocols;
pub mod registry;

pub use device::ProtocolDevice;
pub use error::ProtocolError;
pub use protocol::{
    DeviceInfo, HwOutput, Identifier, InputPlan, Keepalive, KeepaliveWhen, Protocol, ReplyWait,
    Step,
};
pub use protocols::common::BatteryRead;
