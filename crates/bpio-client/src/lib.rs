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
//! server over the network; `MqttConnector` (feature `mqtt`) for a `bpio-engine` reached through
//! an MQTT broker; the `bpio-in-process` crate runs a bpio server in the same process.
//!
//! # Through an MQTT broker (feature `mqtt`)
//!
//! An engine started with `--mqtt-url` serves remote clients through a broker, with the broker's
//! TLS, accounts and access lists (docs/MQTT.md). `MqttConnector` takes the broker's address and
//! the engine's topic prefix and name, `mqtt://HOST:PORT/P/NAME` or `mqtts://HOST:PORT/P/NAME`:
//!
//! ```no_run
//! # #[cfg(feature = "mqtt")]
//! # async fn demo() -> Result<(), bpio_client::Error> {
//! use bpio_client::{Client, MqttConnector};
//!
//! let connector = MqttConnector::new("mqtts://broker.example:8883/bpio/living-room")
//!     .with_client_id("phone")
//!     .with_credentials("phone", "its password")
//!     .with_ca_file("/etc/bpio/broker-ca.pem");
//! let client = Client::connect("My App", connector).await?;
//! # Ok(())
//! # }
//! ```
//!
//! The client id (by default `bpio-` and 12 random hex digits) is the last level of the topics the
//! connector uses: it sends on `P/NAME/command/ID` and reads `P/NAME/reply/ID`, so a broker's
//! access list can keep each client to its own pair. Closing the client, or losing it (its MQTT
//! last will), sends an empty message on `command/ID`, which ends its session on the engine. A lost
//! broker connection ends the client as a closed websocket does ([`Event::ServerDisconnect`]);
//! the connector does not reconnect by itself. A refused password is an
//! [`Error::Connector`] whose source is `MqttError::Credentials`.
//!
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
#[cfg(feature = "mqtt")]
mod mqtt;
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
#[cfg(feature = "mqtt")]
pub use mqtt::{MqttConnector, MqttError, MqttLink};
pub use subscription::Subscription;
#[cfg(feature = "websocket")]
pub use websocket::{WebsocketConnector, WebsocketLink};
