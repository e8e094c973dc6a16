//! The Bluetooth LE backend of bpio: a `bpio_hardware::HardwareManager` on btleplug (BlueZ over
//! D-Bus on Linux, CoreBluetooth on macOS, WinRT on Windows).
//!
//! The key design decision: **a dropped device comes back as a newly found device, on a new
//! link.** Each connection is one [`bpio_hardware::Hardware`] whose life ends with its link: when
//! the device drops, every command on it fails at once with `HwError::Disconnected` (none waits
//! for a timeout), the server hears `HardwareEvent::Disconnected`, and the manager keeps trying to
//! connect the same peripheral in the background. Once the link is up again it reports the device
//! as found, with the advertisement it was first found with, outside any scan; the server admits
//! it like any other and gives it back its index, since the index belongs to the device, not to
//! the connection. Every BLE operation runs under a timeout, so nothing waits forever on a radio.
//!
//! A scan reports only devices the adapter heard during that scan (BlueZ remembers devices it met
//! long ago), and, with a [`DeviceFilter`], only those that could match the device database.
//! Connecting resolves the endpoints of the matching `btle` specifier (GATT service →
//! endpoint → characteristic) and forwards notifications of subscribed endpoints.
//!
//! On Linux, libdbus is built from source (the `vendored` feature of `libdbus-sys`), so building
//! needs no system development package; at run time btleplug talks to BlueZ on the system bus.
#![warn(missing_docs)]

mod config;
mod link;
mod manager;

pub use config::{BtleplugConfig, DeviceFilter, Reconnect};
pub use manager::BtleplugManager;
