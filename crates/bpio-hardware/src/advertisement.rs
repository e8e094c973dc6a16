//! What a backend observes about a device before connecting to it (docs/DEVICE_CONFIG.md 3.7).
//!
//! [`Advertisement`] is a borrowed view, cheap to build and what the device config matches on;
//! [`AdvertisementBuf`] owns the same data so that a backend can send it in an event.

use crate::uuid::Uuid;

/// A hardware transport; backends report devices per transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Transport {
    Btle,
    Serial,
    Hid,
    Usb,
    Gamepad,
    LovenseConnect,
    Websocket,
    Simulated,
}

impl Transport {
    /// The timing gap to use when neither the user nor the definition sets one
    /// (docs/DEVICE_CONFIG.md 7.5): 75 ms for Bluetooth LE, where fast writes jam the link,
    /// otherwise 0.
    pub const fn default_gap_ms(self) -> u32 {
        match self {
            Self::Btle => 75,
            _ => 0,
        }
    }
}

/// One vendor/product id pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct UsbId {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
}

/// What a hardware backend observed about a device.
#[derive(Debug, Clone, Copy)]
pub enum Advertisement<'a> {
    /// A Bluetooth LE advertisement.
    Btle {
        /// Advertised name.
        name: &'a str,
        /// Manufacturer data entries.
        manufacturer_data: &'a [CompanyData<'a>],
        /// Advertised service UUIDs.
        services: &'a [Uuid],
    },
    /// A serial port.
    Serial {
        /// Port name.
        port: &'a str,
    },
    /// A HID device.
    Hid(UsbId),
    /// A raw USB device.
    Usb(UsbId),
    /// A game controller with rumble.
    Gamepad,
    /// A device relayed by Lovense Connect.
    LovenseConnect,
    /// A device that connected over the device WebSocket and sent this identifier.
    Websocket {
        /// Identifier from the first frame.
        identifier: &'a str,
    },
    /// A simulated device.
    Simulated {
        /// Names a `simulated` configuration.
        identifier: &'a str,
    },
}

impl Advertisement<'_> {
    /// The transport of the observation.
    pub const fn transport(&self) -> Transport {
        match self {
            Self::Btle { .. } => Transport::Btle,
            Self::Serial { .. } => Transport::Serial,
            Self::Hid(_) => Transport::Hid,
            Self::Usb(_) => Transport::Usb,
            Self::Gamepad => Transport::Gamepad,
            Self::LovenseConnect => Transport::LovenseConnect,
            Self::Websocket { .. } => Transport::Websocket,
            Self::Simulated { .. } => Transport::Simulated,
        }
    }

    /// The identifier most protocols use for the device: its advertised name or identifier.
    pub const fn default_identifier(&self) -> Option<&str> {
        match self {
            Self::Btle { name, .. } => Some(name),
            Self::Websocket { identifier } | Self::Simulated { identifier } => Some(identifier),
            _ => None,
        }
    }
}

/// One advertised manufacturer data entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompanyData<'a> {
    /// Bluetooth SIG company id.
    pub company: u16,
    /// The data bytes (empty when none were advertised).
    pub data: &'a [u8],
}

/// An owned [`Advertisement`], as carried by [`crate::FoundDevice`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum AdvertisementBuf {
    /// See [`Advertisement::Btle`]; manufacturer data as (company, bytes).
    Btle { name: String, manufacturer_data: Vec<(u16, Vec<u8>)>, services: Vec<Uuid> },
    /// See [`Advertisement::Serial`].
    Serial { port: String },
    /// See [`Advertisement::Hid`].
    Hid(UsbId),
    /// See [`Advertisement::Usb`].
    Usb(UsbId),
    /// See [`Advertisement::Gamepad`].
    Gamepad,
    /// See [`Advertisement::LovenseConnect`].
    LovenseConnect,
    /// See [`Advertisement::Websocket`].
    Websocket { identifier: String },
    /// See [`Advertisement::Simulated`].
    Simulated { identifier: String },
}

impl AdvertisementBuf {
    /// Calls `f` with the borrowed view (building the manufacturer-data slice it needs).
    pub fn with_view<R>(&self, f: impl FnOnce(&Advertisement<'_>) -> R) -> R {
        match self {
            Self::Btle { name, manufacturer_data, services } => {
                let companies: Vec<CompanyData<'_>> = manufacturer_data
                    .iter()
                    .map(|(company, data)| CompanyData { company: *company, data })
                    .collect();
                f(&Advertisement::Btle { name, manufacturer_data: &companies, services })
            }
            Self::Serial { port } => f(&Advertisement::Serial { port }),
            Self::Hid(id) => f(&Advertisement::Hid(*id)),
            Self::Usb(id) => f(&Advertisement::Usb(*id)),
            Self::Gamepad => f(&Advertisement::Gamepad),
            Self::LovenseConnect => f(&Advertisement::LovenseConnect),
            Self::Websocket { identifier } => f(&Advertisement::Websocket { identifier }),
            Self::Simulated { identifier } => f(&Advertisement::Simulated { identifier }),
        }
    }

    /// The transport of the observation.
    pub fn transport(&self) -> Transport {
        self.with_view(|view| view.transport())
    }

    /// See [`Advertisement::default_identifier`].
    pub fn default_identifier(&self) -> Option<&str> {
        match self {
            Self::Btle { name, .. } => Some(name),
            Self::Websocket { identifier } | Self::Simulated { identifier } => Some(identifier),
            _ => None,
        }
    }
}

impl From<&Advertisement<'_>> for AdvertisementBuf {
    fn from(seen: &Advertisement<'_>) -> Self {
        match *seen {
            Advertisement::Btle { name, manufacturer_data, services } => Self::Btle {
                name: name.to_owned(),
                manufacturer_data: manufacturer_data
                    .iter()
                    .map(|entry| (entry.company, entry.data.to_vec()))
                    .collect(),
                services: services.to_vec(),
            },
            Advertisement::Serial { port } => Self::Serial { port: port.to_owned() },
            Advertisement::Hid(id) => Self::Hid(id),
            Advertisement::Usb(id) => Self::Usb(id),
            Advertisement::Gamepad => Self::Gamepad,
            Advertisement::LovenseConnect => Self::LovenseConnect,
            Advertisement::Websocket { identifier } => {
                Self::Websocket { identifier: identifier.to_owned() }
            }
            Advertisement::Simulated { identifier } => {
                Self::Simulated { identifier: identifier.to_owned() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_and_borrowed_forms_agree() {
        let data = [CompanyData { company: 620, data: &[255, 33] }];
        let seen =
            Advertisement::Btle { name: "LVS-Z001", manufacturer_data: &data, services: &[] };
        let owned = AdvertisementBuf::from(&seen);
        assert_eq!(owned.transport(), Transport::Btle);
        assert_eq!(owned.default_identifier(), Some("LVS-Z001"));
        owned.with_view(|view| match view {
            Advertisement::Btle { manufacturer_data, .. } => assert_eq!(*manufacturer_data, data),
            other => panic!("unexpected {other:?}"),
        });
    }
}
