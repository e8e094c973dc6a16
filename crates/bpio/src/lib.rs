//! bpio: a clean-room implementation of the Buttplug intimate-hardware protocol.
//!
//! This crate is a facade: it holds no logic of its own and re-exports the workspace crates as
//! modules, the optional ones behind cargo features (`server` and `transport-ws`, on by
//! default, `sim` for the simulated devices and `btleplug` for the Bluetooth LE backend), so an
//! application depends on one crate and picks what it needs.
#![warn(missing_docs)]

pub use bpio_protocol as protocol;

#[cfg(feature = "server")]
pub use bpio_device_config as device_config;
#[cfg(feature = "server")]
pub use bpio_device_protocols as device_protocols;
#[cfg(feature = "server")]
pub use bpio_hardware as hardware;
#[cfg(feature = "btleplug")]
pub use bpio_hw_btleplug as hw_btleplug;
#[cfg(feature = "server")]
pub use bpio_server as server;
#[cfg(feature = "transport-ws")]
pub use bpio_transport_ws as transport_ws;
