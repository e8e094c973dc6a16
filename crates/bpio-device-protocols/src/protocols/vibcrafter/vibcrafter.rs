//! VibCrafter (Harlow, Hayden, Nidalee, Janna): the encrypted protocol of this family (see
//! `common.rs`) under VibCrafter's key, with a 6-character greeting token and alphanumeric
//! challenges.

use super::common::{Challenge, Encrypted, Flavour};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "vibcrafter";

/// VibCrafter's key and greeting.
pub(crate) const VIBCRAFTER: Flavour = Flavour {
    protocol: NAME,
    key: *b"jdk#Cra%f5Vib28r",
    token: "bpio42",
    challenge: Challenge::Alphanumeric,
};

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Encrypted::new(VIBCRAFTER))
}
