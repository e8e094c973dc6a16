//! Device and feature indexes.
//!
//! The wire carries both as plain `u32`s (`DeviceIndex`, `FeatureIndex`); inside the server they
//! are distinct types, so one can not be passed where the other is meant. They are converted
//! where a wire message is read or written.

use std::fmt;

/// The index of a connected device, as the device list gives it to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceIndex(u32);

/// The index of a feature within its device's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeatureIndex(u32);

macro_rules! wire_index {
    ($name:ident) => {
        impl $name {
            /// The index as the wire carries it.
            pub const fn new(index: u32) -> Self {
                Self(index)
            }

            /// The index as a number, for the wire.
            pub const fn get(self) -> u32 {
                self.0
            }
        }

        impl From<u32> for $name {
            fn from(index: u32) -> Self {
                Self(index)
            }
        }

        impl From<$name> for u32 {
            fn from(index: $name) -> Self {
                index.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

wire_index!(DeviceIndex);
wire_index!(FeatureIndex);
