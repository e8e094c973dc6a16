//! A Buttplug client (Spec v4): connect to a server, find devices and drive them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), bpio_client::Error> {
//! use bpio_client::{Client, Event, WebsocketConnector};
//!
//! let client = Client::connect("My App", WebsocketConnector::new("ws://127.0.0.1:12345")).await?;
//! let mut events = client.events();
//! client.start_scanning().await?;
//! while let Some(event) = events.next().await {
//!     if let Event::DeviceAdded(device) = event {
//!         // Half of each motor's range, whatever its step count.
//!         device.vibrate(0.5).await?;
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Key design decision: **one task owns the connection, and everything else is a handle.**
//! [`Client::connect`] opens a [`Connector`]'s link and spawns a driver task that sends each
//! request with a fresh Id, matches replies by Id in whatever order they come, fails a request
//! whose reply does not come in time, keeps the device list, turns its changes into
//! [`Event::DeviceAdded`] and [`Event::DeviceRemoved`], routes sensor readings and pings the
//! server. [`Client`], [`Device`], [`Feature`] and [`Subscription`] are cheap handles to it, so
//! any number of requests can be in flight from any number of tasks. The matching of Ids and the
//! diffing of device lists are pure code, tested without a runtime.
//!
//! Connectors: [`WebsocketConnector`] (feature `websocket`, on by default) for any Spec v4
//! server over the network; the `bpio-in-process` crate runs a bpio server in the same process.
//! Helpers check the device's advertised features first: a helper the feature does not support,
//! or a level outside its range, fails without sending anything. The protocol types the API
//! speaks in ([`OutputType`], [`InputType`], [`Reading`], ...) are `bpio-protocol`'s, re-exported.
#![warn(missing_docs)]

mod client;
mod command;
mod connector;
mod device;
mod diff;
mod driver;
mod error;
mod event;
mod level;
mod pending;
mod subscription;
#[cfg(feature = "websocket")]
mod websocket;

pub use bpio_protocol::v4::{
    InputCommandType, InputProperties, InputType, OutputType, Range, Reading,
};
/// The websocket transport's settings and trusted roots, for [`WebsocketConnector::with_config`]
/// and [`WebsocketConnector::with_tls_roots`].
#[cfg(feature = "websocket")]
pub use bpio_transport_ws::{Config as WebsocketConfig, TlsRoots};
pub use client::{Client, ClientConfig};
pub use connector::{Connector, ServerLink};
pub use device::{Device, Feature};
pub use error::{Capability, ConnectorError, Error};
pub use event::{Event, EventStream};
pub use level::Level;
pub use subscription::Subscription;
#[cfg(feature = "websocket")]
pub use websocket::{WebsocketConnector, WebsocketLink};
