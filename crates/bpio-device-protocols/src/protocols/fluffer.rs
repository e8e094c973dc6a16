//! Fluffer, and the MotorBunny toys built on it (BLE): AES-encrypted packets on `tx`, after an
//! authentication keyed by the advertised manufacturer data. The identifier is the advertised
//! name.
//!
//! Facts from the reference implementation (`buttplug_server` 12.0.2). Every packet is
//! encrypted with AES-128 in ECB mode (PKCS#7 padding) under the key `jdk#Flu%y6fer32f` and
//! written to `tx` without response; answers arrive the same way on `rx`.
//! - Init subscribes to `rx`. A device that advertised manufacturer data of company `0x684a`
//!   then authenticates: take the advertised bytes `d0 d1 …`; the mask is `d0 ^ 0x68` (the
//!   company's high byte); up to four bytes from `d1` on, each XOR the mask unless it is 0 or
//!   the mask itself, are the device's code. Write `a5 01 08 <nonce> <hash>`, where `<nonce>`
//!   is four bytes and `<hash>` the first four bytes of the SHA-256 of the nonce followed by the
//!   code. The device answers `a5 01 01 00`; then write `82 0e 02 00 01`. Without that
//!   manufacturer data there is no authentication (as with the reference).
//! - Output: `82 0f 05 00 <level 0> <level 1> 00 00` carries both features; vibrate and
//!   oscillate levels are 0–100, a rotation's speed is its magnitude, plus 100 when it turns
//!   backwards. A batch is one packet.
//! - Keep-alive, when the backend requires one: `80 02 00` after 5 s without writes.
//!
//! The nonce: the reference draws it at random, we send the fixed bytes `62 70 69 6f` ("bpio"),
//! derived from nothing, so that vectors are reproducible. Randomness buys nothing here: the
//! device sets no challenge, it can only check that the hash binds the nonce to its own code,
//! and anyone who overheard one authentication can replay it whatever the nonce was.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;
use sha2::{Digest, Sha256};

use super::common::{EcbKey, Levels, magnitude, no_step_data, out_of_range, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol, Step};

/// The database name.
pub(crate) const NAME: &str = "fluffer";

const KEY: EcbKey = EcbKey(*b"jdk#Flu%y6fer32f");
/// The company whose manufacturer data keys the authentication.
const COMPANY: u16 = 0x684a;
const NONCE: [u8; 4] = *b"bpio";
const AUTHENTICATED: [u8; 4] = [0xa5, 0x01, 0x01, 0x00];
const START: [u8; 5] = [0x82, 0x0e, 0x02, 0x00, 0x01];
const KEEPALIVE: [u8; 3] = [0x80, 0x02, 0x00];
/// How long the device may take to answer the authentication.
const AUTH_TIMEOUT: Duration = Duration::from_secs(5);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
/// Added to the speed of a backwards rotation.
const BACKWARDS: u8 = 100;

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Fluffer {
        code: info.manufacturer_data_of(COMPANY).map(device_code),
        stage: Stage::Identified,
        levels: Levels::new(0..2),
    })
}

/// Where init stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before `configure`: identification has no steps.
    Identified,
    Subscribe,
    Greet,
    Wait,
    Start,
    Done,
}

#[derive(Debug)]
struct Fluffer {
    /// The device's code from its manufacturer data; `None`: no authentication.
    code: Option<Result<Vec<u8>, ProtocolError>>,
    stage: Stage,
    levels: Levels,
}

/// The device's code in its advertised manufacturer data (the bytes after the company id).
fn device_code(data: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let (&first, rest) = data.split_first().ok_or(ProtocolError::BadReply {
        protocol: NAME,
        reason: "the manufacturer data is empty",
    })?;
    let [_, company_high] = COMPANY.to_le_bytes();
    let mask = first ^ company_high;
    let unmask = |byte: &u8| if *byte == 0 || *byte == mask { *byte } else { byte ^ mask };
    Ok(rest.iter().take(4).map(unmask).collect())
}

/// The plain authentication packet for a device's code.
fn greeting(code: &[u8]) -> Vec<u8> {
    let hash = Sha256::new().chain_update(NONCE).chain_update(code).finalize();
    let mut packet = vec![0xa5, 0x01, 0x08];
    packet.extend(NONCE);
    packet.extend(hash.iter().take(4));
    packet
}

fn tx(plain: &[u8]) -> HardwareCommand {
    HardwareCommand::write(Endpoint::Tx, KEY.encrypt(plain))
}

/// The byte of one feature's command.
fn level_byte(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    let magnitude = magnitude(feature, command)?;
    match command.output {
        OutputType::Vibrate | OutputType::Oscillate => Ok(magnitude),
        OutputType::Rotate if command.value >= 0 => Ok(magnitude),
        OutputType::Rotate => {
            magnitude.checked_add(BACKWARDS).ok_or_else(|| out_of_range(feature, command))
        }
        _ => Err(unsupported(feature, command)),
    }
}

impl Protocol for Fluffer {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        let (command, next) = match self.stage {
            Stage::Identified | Stage::Done => return Ok(Step::Done),
            Stage::Subscribe => {
                let next = if self.code.is_some() { Stage::Greet } else { Stage::Done };
                (HardwareCommand::subscribe(Endpoint::Rx), next)
            }
            Stage::Greet => match &self.code {
                Some(Ok(code)) => (tx(&greeting(code)), Stage::Wait),
                Some(Err(error)) => return Err(error.clone()),
                None => return Ok(Step::Done),
            },
            Stage::Wait => {
                return Ok(Step::Await { endpoint: Endpoint::Rx, timeout: AUTH_TIMEOUT });
            }
            Stage::Start => (tx(&START), Stage::Done),
        };
        self.stage = next;
        Ok(Step::Command(command))
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        if self.stage != Stage::Wait || endpoint != Endpoint::Rx {
            return no_step_data(NAME, endpoint, data);
        }
        if KEY.decrypt(data).as_deref() != Some(&AUTHENTICATED[..]) {
            return Err(ProtocolError::BadReply { protocol: NAME, reason: "not authenticated" });
        }
        tracing::debug!(protocol = NAME, "authenticated");
        self.stage = Stage::Start;
        Ok(())
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        Err(ProtocolError::Timeout { protocol: NAME })
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.stage = Stage::Subscribe;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut levels = self.levels.clone();
        for (feature, command) in batch {
            if !levels.set(*feature, level_byte(*feature, command)?) {
                return Err(unsupported(*feature, command));
            }
        }
        self.levels = levels;
        let packet = [0x82, 0x0f, 0x05, 0x00, self.levels.at(0), self.levels.at(1), 0x00, 0x00];
        Ok(vec![tx(&packet)])
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: vec![tx(&KEEPALIVE)],
            when: KeepaliveWhen::BackendRequires,
        })
    }
}

#[cfg(test)]
mod tests {
    use bpio_device_config::DeviceConfig;
    use bpio_hardware::{CompanyData, Endpoint, Transport};

    use super::{AUTHENTICATED, COMPANY, KEY, NAME, create, device_code, greeting};
    use crate::error::ProtocolError;
    use crate::protocol::{DeviceInfo, Protocol, Step};

    /// A device whose init waits for the answer to its greeting.
    fn waiting() -> Box<dyn Protocol> {
        let data = [CompanyData { company: COMPANY, data: &[0x6b, 0x02] }];
        let info =
            DeviceInfo { manufacturer_data: &data, ..DeviceInfo::new("MBO", Transport::Btle) };
        let mut device = create(&info);
        assert_eq!(device.poll_step().unwrap(), Step::Done, "no identification steps");
        let config = DeviceConfig::embedded().unwrap();
        device.configure(config.resolve("a", NAME, Some("MBO")).unwrap().definition).unwrap();
        assert!(matches!(device.poll_step().unwrap(), Step::Command(_)), "subscribe");
        assert!(matches!(device.poll_step().unwrap(), Step::Command(_)), "greeting");
        assert!(matches!(device.poll_step().unwrap(), Step::Await { .. }));
        device
    }

    #[test]
    fn a_wrong_answer_or_none_fails_the_authentication() {
        let refused = |result| matches!(result, Err(ProtocolError::BadReply { .. }));
        assert!(refused(waiting().handle_step_data(Endpoint::Rx, &[0; 16])), "undecipherable");
        let wrong = KEY.encrypt(&[0xa5, 0x01, 0x00, 0x00]);
        assert!(refused(waiting().handle_step_data(Endpoint::Rx, &wrong)));
        assert!(refused(waiting().handle_step_data(Endpoint::Tx, &KEY.encrypt(&AUTHENTICATED))));
        assert_eq!(waiting().handle_step_timeout(), Err(ProtocolError::Timeout { protocol: NAME }));
        let mut device = waiting();
        device.handle_step_data(Endpoint::Rx, &KEY.encrypt(&AUTHENTICATED)).unwrap();
        assert!(matches!(device.poll_step().unwrap(), Step::Command(_)), "start");
        assert_eq!(device.poll_step().unwrap(), Step::Done);
    }

    #[test]
    fn empty_manufacturer_data_fails_the_init() {
        let data = [CompanyData { company: COMPANY, data: &[] }];
        let info =
            DeviceInfo { manufacturer_data: &data, ..DeviceInfo::new("MBO", Transport::Btle) };
        let mut device = create(&info);
        let config = DeviceConfig::embedded().unwrap();
        device.configure(config.resolve("a", NAME, Some("MBO")).unwrap().definition).unwrap();
        assert!(matches!(device.poll_step().unwrap(), Step::Command(_)), "subscribe");
        assert!(matches!(device.poll_step(), Err(ProtocolError::BadReply { .. })));
    }

    #[test]
    fn packets_match_the_reference_encryption() {
        // The reference's test case: vibrate at 100, then stop.
        let full = KEY.encrypt(&[0x82, 0x0f, 0x05, 0x00, 100, 0, 0, 0]);
        assert_eq!(
            full,
            [
                0x34, 0x86, 0x9a, 0x67, 0x7b, 0x8e, 0x6f, 0xa9, 0xe9, 0x2b, 0x53, 0xf8, 0x37, 0xc5,
                0x25, 0x3c
            ]
        );
        let stopped = KEY.encrypt(&[0x82, 0x0f, 0x05, 0x00, 0, 0, 0, 0]);
        assert_eq!(
            stopped,
            [
                0xd3, 0xaf, 0x8c, 0xb6, 0xb5, 0x05, 0x3c, 0x01, 0x7e, 0xc0, 0xd3, 0x7f, 0x5b, 0x06,
                0x44, 0x21
            ]
        );
        assert_eq!(KEY.decrypt(&stopped).unwrap(), [0x82, 0x0f, 0x05, 0x00, 0, 0, 0, 0]);
    }

    #[test]
    fn the_code_is_unmasked_except_zeros_and_the_mask() {
        // Mask 0x68 ^ 0x6a = 0x02.
        assert_eq!(
            device_code(&[0x6a, 0x10, 0x00, 0x02, 0x33, 0x44]).unwrap(),
            [0x12, 0x00, 0x02, 0x31]
        );
        assert_eq!(device_code(&[0x6a, 0x10]).unwrap(), [0x12], "short data, short code");
        assert!(matches!(device_code(&[]), Err(ProtocolError::BadReply { .. })));
    }

    #[test]
    fn the_greeting_carries_the_nonce_and_its_hash() {
        let packet = greeting(&[1, 2, 3, 4]);
        assert_eq!(packet.len(), 11);
        let (head, hash) = packet.split_at(7);
        assert_eq!(head, [0xa5, 0x01, 0x08, b'b', b'p', b'i', b'o']);
        let other = greeting(&[1, 2, 3, 5]);
        assert_ne!(hash, other.split_at(7).1, "the hash covers the code");
    }
}
