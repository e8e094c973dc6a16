//! Vibio (Clara, Dodson, Rivera, Elle, Frida): VibCrafter's encrypted protocol under its own key,
//! with an 8-character greeting token and challenges whose prefix is four hex digits; see
//! `common.rs`.

use super::common::{Challenge, Encrypted, Flavour};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "vibio";

/// Vibio's key and greeting.
const VIBIO: Flavour = Flavour {
    protocol: NAME,
    key: *b"jdk#vib%y5fir21a",
    token: "bpio4242",
    challenge: Challenge::HexPrefix,
};

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Encrypted::new(VIBIO))
}
