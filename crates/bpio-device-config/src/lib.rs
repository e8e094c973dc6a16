//! The Buttplug device database: which hardware exists, how to recognise it, and what it can do.
//!
//! The crate reads the project's embedded database (generated from the public database, one
//! file per protocol, see [`embedded`]) or any base file in the public device-config format,
//! major 4 or 5; applies the user's configuration on top; matches what a hardware backend saw to
//! protocols; and turns a device's features into the wire `DeviceList` object.
//!
//! The key design decision: **loading is a pure conversion into one typed, pre-merged, indexed
//! model.** Configurations are merged with their defaults and user limits are validated and
//! applied once, at load time, and every recognition rule is indexed by what a backend can
//! observe. Matching a device is then a few hash lookups, and every later step reads plain
//! data. Nothing here does I/O except [`read_file`] and [`write_atomic`] at the edge.
//!
//! Entry points: [`DeviceConfig::embedded`] or [`BaseDatabase::from_json`] +
//! [`DeviceConfig::new`]; [`DeviceConfig::apply_user_json`]; [`DeviceConfig::find`] (or
//! [`DeviceConfig::candidates`] and [`DeviceConfig::resolve`]); [`Resolved::to_protocol_device`].
#![warn(missing_docs)]

mod base;
mod communication;
mod config;
mod definition;
pub mod embedded;
mod error;
mod feature;
mod matching;
mod public;
mod range;
mod records;
mod save;
mod table;
pub mod type_map;
mod user;

pub use base::BaseDatabase;
pub use bpio_hardware::{
    Advertisement, AdvertisementBuf, CompanyData, Endpoint, InvalidUuid, Parity, Transport,
    UnknownEndpoint, UsbId, Uuid,
};
pub use communication::{
    BtleSpecifier, ManufacturerData, SerialSpecifier, SimulatedSpecifier, Specifier, UsbIds,
    WebsocketSpecifier,
};
pub use config::{DeviceConfig, Resolved, Source};
pub use definition::{Definition, Inherited, Protocol};
pub use error::{Error, FileKind, Location, Problem, Warning};
pub use feature::{ConfigKey, Feature, Input, Output, features_to_protocol};
pub use matching::{Candidate, Layer, MatchKind};
pub use public::Version;
pub use public::base::Strictness;
pub use range::{ConfigRange, RangeError, advertised_range, hardware_value, step_count};
pub use save::{UserConfigDocument, read_file, write_atomic};
pub use type_map::TypeMap;
pub use user::{
    DeviceKey, DeviceRecord, FeatureOverride, OutputOverride, SimulatedDevice, UserConfig,
    UserProtocol, UserSettings,
};
