//! Endpoints: the named channels of a device (docs/DEVICE_CONFIG.md 4).

use std::fmt;
use std::str::FromStr;

/// A named hardware channel (docs/DEVICE_CONFIG.md 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
#[allow(missing_docs)]
pub enum Endpoint {
    Command,
    Firmware,
    Rx,
    RxAccel,
    RxBleBattery,
    RxBleModel,
    RxPressure,
    RxTouch,
    Tx,
    TxMode,
    TxShock,
    TxVibrate,
    TxVendorControl,
    Whitelist,
    /// `generic0` … `generic31`.
    Generic(u8),
}

/// A string that names no endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an endpoint name")]
pub struct UnknownEndpoint(pub String);

const NAMED_ENDPOINTS: [(&str, Endpoint); 14] = [
    ("command", Endpoint::Command),
    ("firmware", Endpoint::Firmware),
    ("rx", Endpoint::Rx),
    ("rxaccel", Endpoint::RxAccel),
    ("rxblebattery", Endpoint::RxBleBattery),
    ("rxblemodel", Endpoint::RxBleModel),
    ("rxpressure", Endpoint::RxPressure),
    ("rxtouch", Endpoint::RxTouch),
    ("tx", Endpoint::Tx),
    ("txmode", Endpoint::TxMode),
    ("txshock", Endpoint::TxShock),
    ("txvibrate", Endpoint::TxVibrate),
    ("txvendorcontrol", Endpoint::TxVendorControl),
    ("whitelist", Endpoint::Whitelist),
];

impl FromStr for Endpoint {
    type Err = UnknownEndpoint;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Some((_, endpoint)) = NAMED_ENDPOINTS.iter().find(|(text, _)| *text == name) {
            return Ok(*endpoint);
        }
        name.strip_prefix("generic")
            // Only canonical numbers: "generic07" would not print back the same.
            .filter(|digits| !digits.starts_with('0') || *digits == "0")
            .and_then(|digits| digits.parse::<u8>().ok())
            .filter(|number| *number <= 31)
            .map(Endpoint::Generic)
            .ok_or_else(|| UnknownEndpoint(name.to_owned()))
    }
}

impl TryFrom<String> for Endpoint {
    type Error = UnknownEndpoint;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}

impl From<Endpoint> for String {
    fn from(endpoint: Endpoint) -> Self {
        endpoint.to_string()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Self::Generic(number) = self {
            return write!(f, "generic{number}");
        }
        let name = NAMED_ENDPOINTS
            .iter()
            .find(|(_, endpoint)| endpoint == self)
            .map_or("", |(text, _)| *text);
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in ["tx", "rx", "rxblebattery", "txvendorcontrol", "generic0", "generic31"] {
            let endpoint: Endpoint = name.parse().unwrap();
            assert_eq!(endpoint.to_string(), name);
        }
        for bad in ["generic32", "generic07", "TX", ""] {
            assert_eq!(bad.parse::<Endpoint>(), Err(UnknownEndpoint(bad.to_owned())));
        }
    }
}
