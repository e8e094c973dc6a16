//! The protocol VibCrafter and Vibio share: the device name as identifier, ASCII commands
//! encrypted with AES-128 in ECB mode (PKCS#7 padding) under a key fixed per protocol, written on
//! `tx`; answers arrive encrypted on `rx`.
//!
//! Init is an authentication: subscribe to `rx`, write `Auth:<token>;` (the token is any
//! alphanumeric string: 6 characters for VibCrafter, 8 for Vibio; the reference picks it at
//! random, we send a fixed one so that the bytes are reproducible). The device answers `OK;`
//! (done) or a challenge `<4 characters>:<text>;`, which is answered with `Auth:<hex>;`, the
//! first two bytes of the SHA-256 of `<text>` as four lower-case hex digits; then the device
//! answers again. Anything else, or no answer within 3 s, fails the init.
//!
//! Output: `MtInt:<level 1><level 2>;` with two-digit levels (0–99), both motors in every write;
//! a model with one motor leaves the second at 0. A batch is one write.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;
use sha2::{Digest, Sha256};

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol, Step};
use crate::protocols::common::{EcbKey, Levels, byte_of, no_step_data};

/// How long the device may take to answer during authentication.
const AUTH_TIMEOUT: Duration = Duration::from_secs(3);

/// What a challenge may look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// `<4 alphanumerics>:<alphanumerics>;`
    Alphanumeric,
    /// `<4 hex digits>:<anything but ;>;`
    HexPrefix,
}

/// What differs between the protocols of this family.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flavour {
    /// The database name.
    pub(crate) protocol: &'static str,
    /// The AES-128 key.
    pub(crate) key: [u8; 16],
    /// The token of the first `Auth`.
    pub(crate) token: &'static str,
    /// The challenge format.
    pub(crate) challenge: Challenge,
}

impl Flavour {
    fn encrypt(&self, text: &str) -> Vec<u8> {
        EcbKey(self.key).encrypt(text.as_bytes())
    }

    fn decrypt(&self, data: &[u8]) -> Option<String> {
        String::from_utf8(EcbKey(self.key).decrypt(data)?).ok()
    }

    /// The text to hash in a challenge, if `text` is one.
    fn challenge_text<'a>(&self, text: &'a str) -> Option<&'a str> {
        let (prefix, rest) = text.split_once(':')?;
        let body = rest.strip_suffix(';')?;
        let (prefix_ok, body_ok) = match self.challenge {
            Challenge::Alphanumeric => (
                prefix.chars().all(|c| c.is_ascii_alphanumeric()),
                body.chars().all(|c| c.is_ascii_alphanumeric()),
            ),
            Challenge::HexPrefix => {
                (prefix.chars().all(|c| c.is_ascii_hexdigit()), !body.contains(';'))
            }
        };
        (prefix.len() == 4 && !body.is_empty() && prefix_ok && body_ok).then_some(body)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Auth {
    /// Before `configure`: identification has no steps.
    Idle,
    Subscribe,
    Greet,
    Wait,
    Answer(Vec<u8>),
    Done,
}

/// A device of this family.
#[derive(Debug)]
pub(crate) struct Encrypted {
    flavour: Flavour,
    auth: Auth,
    levels: Levels,
}

impl Encrypted {
    /// A device of `flavour`.
    pub(crate) fn new(flavour: Flavour) -> Self {
        Self { flavour, auth: Auth::Idle, levels: Levels::new(0..2) }
    }

    fn bad_reply(&self, reason: &'static str) -> ProtocolError {
        ProtocolError::BadReply { protocol: self.flavour.protocol, reason }
    }
}

impl Protocol for Encrypted {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        let write = |data| Step::Command(HardwareCommand::write(Endpoint::Tx, data));
        Ok(match std::mem::replace(&mut self.auth, Auth::Wait) {
            Auth::Idle => {
                self.auth = Auth::Idle;
                Step::Done
            }
            Auth::Subscribe => {
                self.auth = Auth::Greet;
                Step::Command(HardwareCommand::subscribe(Endpoint::Rx))
            }
            Auth::Greet => write(self.flavour.encrypt(&format!("Auth:{};", self.flavour.token))),
            Auth::Answer(data) => write(data),
            Auth::Wait => Step::Await { endpoint: Endpoint::Rx, timeout: AUTH_TIMEOUT },
            Auth::Done => {
                self.auth = Auth::Done;
                Step::Done
            }
        })
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        if self.auth != Auth::Wait || endpoint != Endpoint::Rx {
            return no_step_data(self.flavour.protocol, endpoint, data);
        }
        let text = self.flavour.decrypt(data).ok_or_else(|| self.bad_reply("undecipherable"))?;
        if text == "OK;" {
            tracing::debug!(protocol = self.flavour.protocol, "authenticated");
            self.auth = Auth::Done;
            return Ok(());
        }
        let body = self
            .flavour
            .challenge_text(&text)
            .ok_or_else(|| self.bad_reply("neither OK nor a challenge"))?;
        let hash = Sha256::digest(body.as_bytes());
        let [first, second, ..] = hash.as_slice() else {
            return Err(self.bad_reply("hash too short"));
        };
        let answer = format!("Auth:{first:02x}{second:02x};");
        self.auth = Auth::Answer(self.flavour.encrypt(&answer));
        Ok(())
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        Err(ProtocolError::Timeout { protocol: self.flavour.protocol })
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.auth = Auth::Subscribe;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
        let text = match self.levels.levels() {
            [first, second] => format!("MtInt:{first:02}{second:02};"),
            _ => return Err(ProtocolError::OutOfOrder("this family has two motor slots")),
        };
        Ok(vec![HardwareCommand::write(Endpoint::Tx, self.flavour.encrypt(&text))])
    }
}

#[cfg(test)]
mod tests {
    use bpio_device_config::DeviceConfig;
    use bpio_hardware::Endpoint;

    use super::{Challenge, Encrypted, Flavour};
    use crate::error::ProtocolError;
    use crate::protocol::{Protocol, Step};
    use crate::protocols::vibcrafter::vibcrafter::{NAME, VIBCRAFTER};

    /// A Harlow whose init has reached the wait for the first answer.
    fn waiting() -> Encrypted {
        let mut device = Encrypted::new(VIBCRAFTER);
        assert_eq!(device.poll_step().unwrap(), Step::Done, "no identification steps");
        let config = DeviceConfig::embedded().unwrap();
        device.configure(config.resolve("a", NAME, Some("be gentle")).unwrap().definition).unwrap();
        assert!(matches!(device.poll_step().unwrap(), Step::Command(_)), "subscribe");
        assert!(matches!(device.poll_step().unwrap(), Step::Command(_)), "greeting");
        assert!(matches!(device.poll_step().unwrap(), Step::Await { .. }));
        device
    }

    #[test]
    fn a_bad_answer_or_none_fails_the_authentication() {
        let garbage = waiting().handle_step_data(Endpoint::Rx, &[1; 16]);
        assert!(matches!(garbage, Err(ProtocolError::BadReply { .. })), "{garbage:?}");
        let wrong_text = VIBCRAFTER.encrypt("NO;");
        let refused = waiting().handle_step_data(Endpoint::Rx, &wrong_text);
        assert!(matches!(refused, Err(ProtocolError::BadReply { .. })), "{refused:?}");
        let silent = waiting().handle_step_timeout();
        assert_eq!(silent, Err(ProtocolError::Timeout { protocol: NAME }));
    }

    #[test]
    fn encryption_round_trips_and_refuses_bad_padding() {
        for text in ["", "OK;", "MtInt:9999;", "exactly 16 bytes"] {
            let data = VIBCRAFTER.encrypt(text);
            assert_eq!(data.len() % 16, 0);
            assert!(data.len() > text.len());
            assert_eq!(VIBCRAFTER.decrypt(&data).as_deref(), Some(text));
        }
        assert_eq!(VIBCRAFTER.decrypt(&[0; 15]), None, "not whole blocks");
        assert_eq!(VIBCRAFTER.decrypt(&[]), None);
        assert_eq!(VIBCRAFTER.decrypt(&[0; 16]), None, "zeros decrypt to bad padding");
    }

    #[test]
    fn challenges_are_recognised_by_format() {
        let alnum = VIBCRAFTER;
        assert_eq!(alnum.challenge_text("ab12:XyZ9;"), Some("XyZ9"));
        assert_eq!(alnum.challenge_text("ab1:XyZ9;"), None, "prefix of 3");
        assert_eq!(alnum.challenge_text("ab12:Xy-9;"), None, "not alphanumeric");
        assert_eq!(alnum.challenge_text("ab12:;"), None, "empty");
        assert_eq!(alnum.challenge_text("ab12:XyZ9"), None, "no end mark");
        let hex = Flavour { challenge: Challenge::HexPrefix, ..VIBCRAFTER };
        assert_eq!(hex.challenge_text("0aF9:any text!;"), Some("any text!"));
        assert_eq!(hex.challenge_text("0aG9:text;"), None, "not hex");
    }
}
