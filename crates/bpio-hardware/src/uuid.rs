//! UUIDs: BLE services and characteristics, and the ids of device definitions and features.

use std::fmt;
use std::str::FromStr;

/// A UUID in the lower-case hyphenated form the config formats require
/// (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`).
///
/// Stored as a number so that ids are `Copy` and cheap to hash; the text form is canonical, so
/// printing gives back exactly what was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct Uuid(u128);

/// A string that is not a lower-case hyphenated UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a lower-case hyphenated UUID")]
pub struct InvalidUuid(pub String);

impl Uuid {
    /// The UUID with this 128-bit value.
    pub const fn from_u128(value: u128) -> Self {
        Self(value)
    }

    /// The 128-bit value.
    pub const fn as_u128(self) -> u128 {
        self.0
    }
}

impl FromStr for Uuid {
    type Err = InvalidUuid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidUuid(text.to_owned());
        if text.len() != 36 {
            return Err(invalid());
        }
        let mut value: u128 = 0;
        for (position, byte) in text.bytes().enumerate() {
            let hyphen_here = matches!(position, 8 | 13 | 18 | 23);
            match (hyphen_here, byte) {
                (true, b'-') => {}
                (false, b'0'..=b'9') => value = (value << 4) | u128::from(byte - b'0'),
                (false, b'a'..=b'f') => value = (value << 4) | u128::from(byte - b'a' + 10),
                _ => return Err(invalid()),
            }
        }
        Ok(Self(value))
    }
}

impl TryFrom<String> for Uuid {
    type Error = InvalidUuid;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Uuid> for String {
    fn from(id: Uuid) -> Self {
        id.to_string()
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            v >> 96,
            (v >> 80) & 0xffff,
            (v >> 64) & 0xffff,
            (v >> 48) & 0xffff,
            v & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        let text = "0a9c43fb-2d58-4af9-aef2-60f48c6e7707";
        let id: Uuid = text.parse().unwrap();
        assert_eq!(id.to_string(), text);
    }

    #[test]
    fn upper_case_and_bad_shapes_are_refused() {
        for bad in
            ["0A9C43FB-2D58-4AF9-AEF2-60F48C6E7707", "0a9c43fb2d584af9aef260f48c6e7707", "", "x"]
        {
            assert_eq!(bad.parse::<Uuid>(), Err(InvalidUuid(bad.to_owned())));
        }
    }
}
