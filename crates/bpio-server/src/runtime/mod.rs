//! The tokio driver of the sans-IO core: the only module of this crate that names tokio or
//! reads the clock.
//!
//! [`serve_client`] runs one [`Session`](crate::Session) over any [`ClientConnection`] (the
//! engine adapts the websocket transport to it), and [`DeviceHub`] is the handle to the task
//! that owns the devices.

mod backlog;
mod client;
mod device_task;
mod devices;
mod list_text;
mod observe;
mod precise;
mod records;
mod route;

pub use client::{ClientConnection, CloseReason, LinkEvent, serve_client};
pub use devices::{DeviceHub, ManagerFactory, Written};
pub use observe::{Observation, Observed, ObservedDevice, Observer};
pub use route::DeviceEvent;
