//! Value types introduced by spec v1.

use std::ops::Deref;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::frame::{Integer, integer_token};

/// A list with at least one element.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<T>", into = "Vec<T>")]
#[serde(bound(serialize = "T: Serialize + Clone", deserialize = "T: Deserialize<'de>"))]
pub struct NonEmpty<T>(Vec<T>);

impl<T> NonEmpty<T> {
    /// The list, or `None` when it is empty.
    pub fn new(items: Vec<T>) -> Option<Self> {
        if items.is_empty() { None } else { Some(Self(items)) }
    }

    /// The elements.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Deref for NonEmpty<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> TryFrom<Vec<T>> for NonEmpty<T> {
    type Error = &'static str;

    fn try_from(items: Vec<T>) -> Result<Self, Self::Error> {
        Self::new(items).ok_or("the list must have at least one element")
    }
}

impl<T> From<NonEmpty<T>> for Vec<T> {
    fn from(items: NonEmpty<T>) -> Self {
        items.0
    }
}

/// The `Duration` of a `LinearCmd` vector in milliseconds: any JSON integer.
///
/// As for the v4 `HwPositionWithDuration` (docs/PROTOCOL.md 2.2), whether it fits is a range
/// question answered with ERROR_DEVICE after translation, so every integer token is accepted
/// (values beyond `i64` saturate) and anything else is ERROR_MSG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        match integer_token(raw.get()) {
            Some(Integer::Small(value)) => Ok(Self(value)),
            Some(Integer::Negative) => Ok(Self(i64::MIN)),
            Some(Integer::Huge) => Ok(Self(i64::MAX)),
            None => {
                Err(D::Error::custom(format_args!("expected an integer, found `{}`", raw.get())))
            }
        }
    }
}
