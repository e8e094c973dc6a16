//! Sistalk MonsterPub and MonsterHub, and Tracy's Dog (BLE): every motor's level in one packet;
//! the firmware generation shows in which endpoints the device has.
//!
//! Facts from the reference implementation (`buttplug_server` 12.0.2):
//! - identification reads 32 bytes from `rxblemodel`: the model name, padded with NUL bytes,
//!   which are dropped;
//! - a device with an `rx` endpoint authenticates first: a 16-byte read from `rx` gives a key
//!   number (byte 0, 0 to 3) and 15 challenge bytes; the answer, written back to `rx` with
//!   response, is the challenge XOR the key, one of the four ASCII words `2IPO`, `LSBB`, `SIS6`
//!   and `TALK` repeated;
//! - the packet holds one level (0–100) per output feature, in feature order; vibrate and
//!   oscillate both set a level. It goes to `txvibrate` when the device has it, else to `tx`,
//!   else (a Tracy's Dog with three motors) to `generic0`, prefixed with `03`. On `tx`, a packet
//!   whose levels are all 0 goes to `txmode` instead, with response; every other write is
//!   without response.
//!
//! A batch is one packet. No inputs, no keep-alive.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{Levels, ModelRead};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, Protocol, Step};

/// The database name.
pub(crate) const NAME: &str = "monsterpub";

const MODEL_LENGTH: u32 = 32;
/// The authentication read: a key number and the challenge.
const AUTH_READ_LENGTH: u32 = 16;
/// The challenge bytes of that read (bytes past them are ignored).
const CHALLENGE_LENGTH: usize = 15;
const AUTH_READ_TIMEOUT: Duration = Duration::from_millis(200);
/// The words whose repetition is the XOR key, by key number.
const KEYS: [&[u8; 4]; 4] = [b"2IPO", b"LSBB", b"SIS6", b"TALK"];

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let output = if info.has_endpoint(Endpoint::TxVibrate) {
        Endpoint::TxVibrate
    } else if info.has_endpoint(Endpoint::Tx) {
        Endpoint::Tx
    } else {
        Endpoint::Generic(0)
    };
    Box::new(MonsterPub {
        model: ModelRead::Ask,
        auth: Auth::Unconfigured { challenged: info.has_endpoint(Endpoint::Rx) },
        output,
        motors: Levels::default(),
    })
}

/// Where the authentication stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Auth {
    /// Before `configure`; `challenged` when the device has `rx` and must be answered.
    Unconfigured { challenged: bool },
    /// The challenge is to be read.
    Read,
    /// The read is out.
    Reading,
    /// The answer is to be written.
    Answer(Vec<u8>),
    /// Authenticated, or no authentication needed.
    Done,
}

#[derive(Debug)]
struct MonsterPub {
    model: ModelRead,
    auth: Auth,
    /// Where motor packets go.
    output: Endpoint,
    motors: Levels,
}

/// The model name in the characteristic's bytes, without its NUL padding.
fn model_name(data: &[u8]) -> String {
    String::from_utf8_lossy(data).replace('\0', "")
}

/// The answer to a challenge read from `rx`.
fn answer(data: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let bad = |reason| ProtocolError::BadReply { protocol: NAME, reason };
    let (&number, challenge) = data.split_first().ok_or(bad("empty challenge"))?;
    let key = KEYS.get(usize::from(number)).ok_or(bad("challenge names an unknown key"))?;
    let challenge = challenge.get(..CHALLENGE_LENGTH).ok_or(bad("challenge too short"))?;
    Ok(challenge.iter().zip(key.iter().cycle()).map(|(byte, key)| byte ^ key).collect())
}

impl MonsterPub {
    fn packet(&self) -> HardwareCommand {
        let mut data = Vec::with_capacity(self.motors.len() + 1);
        if self.output == Endpoint::Generic(0) {
            data.push(0x03);
        }
        data.extend(self.motors.levels());
        let stopped = !self.motors.any_running();
        if self.output == Endpoint::Tx && stopped {
            HardwareCommand::write_with_response(Endpoint::TxMode, data)
        } else {
            HardwareCommand::write(self.output, data)
        }
    }
}

impl Protocol for MonsterPub {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        let command = match &self.auth {
            Auth::Unconfigured { .. } => {
                return Ok(self.model.poll(NAME, MODEL_LENGTH)?.unwrap_or(Step::Done));
            }
            Auth::Read => {
                self.auth = Auth::Reading;
                HardwareCommand::read(Endpoint::Rx, AUTH_READ_LENGTH, AUTH_READ_TIMEOUT)
            }
            Auth::Reading => {
                return Err(ProtocolError::BadReply { protocol: NAME, reason: "no challenge" });
            }
            Auth::Answer(answer) => {
                let write = HardwareCommand::write_with_response(Endpoint::Rx, answer.clone());
                self.auth = Auth::Done;
                write
            }
            Auth::Done => return Ok(Step::Done),
        };
        Ok(Step::Command(command))
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        if self.auth == Auth::Reading && endpoint == Endpoint::Rx {
            self.auth = Auth::Answer(answer(data)?);
        } else {
            self.model.handle(NAME, endpoint, data, model_name);
        }
        Ok(())
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::found(self.model.identifier())
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        if let Auth::Unconfigured { challenged } = self.auth {
            self.auth = if challenged { Auth::Read } else { Auth::Done };
        }
        self.motors = Levels::of_outputs(definition);
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.motors.apply(batch, &[OutputType::Vibrate, OutputType::Oscillate])?;
        Ok(vec![self.packet()])
    }
}

#[cfg(test)]
mod tests {
    use super::answer;
    use crate::error::ProtocolError;

    #[test]
    fn a_challenge_is_answered_with_its_key() {
        let mut challenge = vec![3];
        challenge.extend([0u8; 15]);
        assert_eq!(answer(&challenge).unwrap(), b"TALKTALKTALKTAL");
        let mut longer = challenge.clone();
        longer.push(0xff);
        assert_eq!(answer(&longer).unwrap(), b"TALKTALKTALKTAL", "bytes past 16 are ignored");
    }

    #[test]
    fn a_bad_challenge_is_refused() {
        let refused = |data: &[u8]| matches!(answer(data), Err(ProtocolError::BadReply { .. }));
        assert!(refused(&[]));
        assert!(refused(&[0; 15]), "one byte short");
        assert!(refused(&[4; 16]), "key number 4");
    }
}
