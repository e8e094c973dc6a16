//! bpio: a clean-room implementation of the Buttplug intimate-hardware protocol.
//!
//! This crate is a facade: it holds no logic of its own and re-exports the workspace crates as
//! modules, the optional ones behind cargo features, so an application depends on one crate and
//! picks what it needs:
//!
//! - `server` and `transport-ws` (on by default): the server core and the websocket transport;
//! - `sim`: the simulated devices;
//! - `hw-serial`, `hw-hid`, `hw-usb`, `hw-gamepad`, `hw-websocket`, `hw-lovense-connect` and
//!   `btleplug` (Bluetooth LE): the hardware backends;
//! - `client`: the client library, with its websocket connector when `transport-ws` is on too;
//! - `in-process`: the connector that joins a client and a server in one process.
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
#[cfg(feature = "hw-gamepad")]
pub use bpio_hw_gamepad as hw_gamepad;
#[cfg(feature = "hw-hid")]
pub use bpio_hw_hid as hw_hid;
#[cfg(feature = "hw-lovense-connect")]
pub use bpio_hw_lovense_connect as hw_lovense_connect;
#[cfg(feature = "hw-serial")]
pub use bpio_hw_serial as hw_serial;
#[cfg(feature = "hw-usb")]
pub use bpio_hw_usb as hw_usb;
#[cfg(feature = "hw-websocket")]
pub use bpio_hw_websocket as hw_websocket;
#[cfg(feature = "server")]
pub use bpio_server as server;
#[cfg(feature = "transport-ws")]
pub use bpio_transport_ws as transport_ws;

#[cfg(feature = "client")]
pub use bpio_client as client;
#[cfg(feature = "in-process")]
pub use bpio_in_process as in_process;
