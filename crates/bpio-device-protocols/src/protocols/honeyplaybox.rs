//! Honey Play Box (BLE): framed, counted, signed packets on `tx`; replies on `rx`.
//!
//! Facts from the reference implementation (`buttplug_server` 12.0.2). A frame is
//! `02 a5 5a 55 aa f0 <counter> <type> <cmd> <len: u16 BE> <data> 03 <crc: u16 BE>`, the CRC being
//! CRC-16/MODBUS over `type cmd len data`; the counter goes up by one with every frame sent.
//! - Init subscribes to `rx` and sends the handshake `b1 01` with data `00 10` (with
//!   response, as every frame). The answer, possibly split over several notifications, is a
//!   frame whose data starts with the code `90 00` and a 16-byte token. Another code fails the
//!   init; silence asks again, waiting 1, 2 then 3 s, and a fourth silence fails it.
//! - Outputs: frame `b1 03` whose data is one 8-byte group per output feature, in definition
//!   order, `<position << 4 | 1> 00 05 00 3c 00 00 <strength>`, followed by the first 8 bytes of
//!   the MD5 of `b1 03 <len> <groups> <secret> <token>` (`len` counting the signature). Every
//!   frame carries every motor, so a batch is one frame. Vibrate, oscillate and rotate set the
//!   strength; constrict sets `level + 100`, or 0 at level 0.
//! - The firmware needs traffic: after 500 ms without writes the frame is sent again with the
//!   next counter, whatever the backend.
//! - Battery: read 20 bytes from `rxblebattery`; the first is the level.

use std::time::Duration;

use bpio_device_config::{Definition, Feature};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, OutputType, Reading};
use md5::Digest as _;

use super::common::{Levels, battery_byte};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, InputPlan, Keepalive, KeepaliveWhen, Protocol};
use crate::protocol::{ReplyWait, Step};

/// The database name.
pub(crate) const NAME: &str = "honeyplaybox";

const MAGIC: [u8; 6] = [0x02, 0xa5, 0x5a, 0x55, 0xaa, 0xf0];
const END: u8 = 0x03;
/// Magic, counter, type, command and length.
const HEAD_LEN: usize = 11;
const TYPE: u8 = 0xb1;
const HANDSHAKE: u8 = 0x01;
const VIBRATE: u8 = 0x03;
const SECRET: [u8; 16] = [
    0x8b, 0xe3, 0xfd, 0x04, 0x68, 0x35, 0x09, 0x86, 0x12, 0x1a, 0xbf, 0x03, 0x30, 0xe9, 0xe3, 0xc5,
];
const MOTOR_OUTPUTS: [OutputType; 4] =
    [OutputType::Vibrate, OutputType::Oscillate, OutputType::Rotate, OutputType::Constrict];
/// Added to a constrict level other than 0.
const CONSTRICT_OFFSET: i32 = 100;
const HANDSHAKE_RETRIES: u8 = 3;
const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(500);
const BATTERY_TIMEOUT: Duration = Duration::from_secs(1);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(HoneyPlayBox {
        stage: Stage::Identified,
        // The counter of the last frame sent: the handshake is frame 0.
        counter: u8::MAX,
        received: Vec::new(),
        token: [0; 16],
        motors: Levels::default(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Identified,
    Subscribe,
    Ask { silences: u8 },
    Wait { silences: u8 },
    Running,
}

#[derive(Debug)]
struct HoneyPlayBox {
    stage: Stage,
    /// The counter of the last frame sent.
    counter: u8,
    /// Notification bytes not yet forming a frame.
    received: Vec<u8>,
    token: [u8; 16],
    motors: Levels,
}

impl HoneyPlayBox {
    /// The next frame: the counter moves on.
    fn frame(&mut self, command: u8, data: &[u8]) -> HardwareCommand {
        self.counter = self.counter.wrapping_add(1);
        frame(self.counter, command, data)
    }

    /// The signed output data for the current strengths.
    fn motor_data(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(self.motors.len() * 8 + 8);
        for (position, strength) in (0_u8..).zip(self.motors.levels().iter().copied()) {
            data.extend([
                (position & 0x0f) << 4 | 0x01,
                0x00,
                0x05,
                0x00,
                0x3c,
                0x00,
                0x00,
                strength,
            ]);
        }
        let mut signed = vec![TYPE, VIBRATE];
        signed.extend(length(data.len() + 8));
        signed.extend(&data);
        signed.extend(SECRET);
        signed.extend(self.token);
        // The firmware's signature: the first half of the MD5 digest.
        data.extend(md5::Md5::digest(&signed).into_iter().take(8));
        data
    }

    fn handle_frame(&mut self, frame: &[u8]) -> Result<(), ProtocolError> {
        let len = data_length(frame).unwrap_or(0);
        let data = frame.get(HEAD_LEN..HEAD_LEN + len).unwrap_or_default();
        match data {
            [0x90, 0x00, rest @ ..] => {
                match rest.get(..16).and_then(|t| <[u8; 16]>::try_from(t).ok()) {
                    Some(token) => {
                        self.token = token;
                        self.stage = Stage::Running;
                        // The reference moves its counter on once more after the handshake.
                        self.counter = self.counter.wrapping_add(1);
                    }
                    None => tracing::warn!(protocol = NAME, "handshake answer without a token"),
                }
            }
            [_, _, ..] => {
                return Err(ProtocolError::BadReply {
                    protocol: NAME,
                    reason: "handshake refused",
                });
            }
            _ => tracing::warn!(protocol = NAME, "handshake answer without a code"),
        }
        Ok(())
    }
}

/// The data length a frame's head announces.
fn data_length(frame: &[u8]) -> Option<usize> {
    match frame.get(9..HEAD_LEN)? {
        [high, low] => Some(usize::from(u16::from_be_bytes([*high, *low]))),
        _ => None,
    }
}

/// A big-endian length, saturating at `u16::MAX` (frames are far shorter).
fn length(len: usize) -> [u8; 2] {
    u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes()
}

fn frame(counter: u8, command: u8, data: &[u8]) -> HardwareCommand {
    let mut checked = vec![TYPE, command];
    checked.extend(length(data.len()));
    checked.extend_from_slice(data);
    let crc = CRC.checksum(&checked);
    let mut out = Vec::with_capacity(checked.len() + 10);
    out.extend(MAGIC);
    out.push(counter);
    out.extend(checked);
    out.push(END);
    out.extend(crc.to_be_bytes());
    HardwareCommand::write_with_response(Endpoint::Tx, out)
}

/// The frame checksum: CRC-16/MODBUS.
const CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_MODBUS);

/// Takes the complete frames out of `buffer`; bytes before a frame start are dropped, an
/// unfinished frame stays.
fn take_frames(buffer: &mut Vec<u8>) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    loop {
        let Some(start) = buffer.windows(MAGIC.len()).position(|window| window == MAGIC) else {
            // Keep what may be the beginning of a frame start.
            let keep = buffer.len().saturating_sub(MAGIC.len() - 1);
            buffer.drain(..keep);
            return frames;
        };
        buffer.drain(..start);
        let Some(len) = data_length(buffer) else {
            return frames;
        };
        let frame_len = HEAD_LEN + len + 3;
        if buffer.len() < frame_len {
            return frames;
        }
        if buffer.get(HEAD_LEN + len) != Some(&END) {
            // Not a frame after all: look for the next start.
            buffer.drain(..1);
            continue;
        }
        frames.push(buffer.drain(..frame_len).collect());
    }
}

impl Protocol for HoneyPlayBox {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(match self.stage {
            Stage::Identified | Stage::Running => Step::Done,
            Stage::Subscribe => {
                self.stage = Stage::Ask { silences: 0 };
                Step::Command(HardwareCommand::subscribe(Endpoint::Rx))
            }
            Stage::Ask { silences } => {
                self.stage = Stage::Wait { silences };
                Step::Command(self.frame(HANDSHAKE, &[0x00, 0x10]))
            }
            Stage::Wait { silences } => Step::Await {
                endpoint: Endpoint::Rx,
                timeout: Duration::from_secs(u64::from(silences) + 1),
            },
        })
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        if !matches!(self.stage, Stage::Wait { .. }) || endpoint != Endpoint::Rx {
            return Ok(());
        }
        self.received.extend_from_slice(data);
        for frame in take_frames(&mut self.received) {
            self.handle_frame(&frame)?;
            if self.stage == Stage::Running {
                self.received.clear();
                break;
            }
        }
        Ok(())
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        if let Stage::Wait { silences } = self.stage {
            if silences >= HANDSHAKE_RETRIES {
                return Err(ProtocolError::Timeout { protocol: NAME });
            }
            self.stage = Stage::Ask { silences: silences + 1 };
        }
        Ok(())
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        self.motors = Levels::of_outputs(definition);
        self.stage = Stage::Subscribe;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let strengths: Vec<(u32, HwOutput)> = batch
            .iter()
            .map(|(feature, command)| match command.output {
                OutputType::Constrict if command.value > 0 => {
                    let value = command.value.saturating_add(CONSTRICT_OFFSET);
                    (*feature, HwOutput { value, ..*command })
                }
                _ => (*feature, *command),
            })
            .collect();
        self.motors.apply(&strengths, &MOTOR_OUTPUTS)?;
        let data = self.motor_data();
        Ok(vec![self.frame(VIBRATE, &data)])
    }

    fn read(&mut self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        if input != InputType::Battery {
            return Err(ProtocolError::UnsupportedInput { feature: feature.index, input });
        }
        Ok(InputPlan {
            commands: vec![HardwareCommand::read(Endpoint::RxBleBattery, 20, BATTERY_TIMEOUT)],
            reply: Some(ReplyWait::ReadResult),
        })
    }

    fn parse_reading(
        &mut self,
        _: u32,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        battery_byte(input, endpoint, data)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        let next = frame(self.counter.wrapping_add(1), VIBRATE, &self.motor_data());
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: vec![next],
            when: KeepaliveWhen::Always,
        })
    }

    fn handle_keepalive(&mut self) -> Vec<HardwareCommand> {
        let data = self.motor_data();
        vec![self.frame(VIBRATE, &data)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting() -> HoneyPlayBox {
        HoneyPlayBox {
            stage: Stage::Wait { silences: 0 },
            counter: 0,
            received: Vec::new(),
            token: [0; 16],
            motors: Levels::default(),
        }
    }

    #[test]
    fn a_refused_handshake_fails_the_init() {
        let mut device = waiting();
        let refused = [
            0x02, 0xa5, 0x5a, 0x55, 0xaa, 0xf0, 0x00, 0xb1, 0x01, 0x00, 0x02, 0x90, 0x01, 0x03,
            0x3a, 0x2a,
        ];
        assert!(matches!(
            device.handle_step_data(Endpoint::Rx, &refused),
            Err(ProtocolError::BadReply { .. })
        ));
    }

    #[test]
    fn the_fourth_silence_fails_the_init() {
        let mut device = waiting();
        for silences in 1..=HANDSHAKE_RETRIES {
            device.handle_step_timeout().unwrap();
            assert_eq!(device.stage, Stage::Ask { silences });
            assert!(matches!(device.poll_step(), Ok(Step::Command(_))));
            assert_eq!(
                device.poll_step(),
                Ok(Step::Await {
                    endpoint: Endpoint::Rx,
                    timeout: Duration::from_secs(u64::from(silences) + 1)
                })
            );
        }
        assert_eq!(device.handle_step_timeout(), Err(ProtocolError::Timeout { protocol: NAME }));
    }

    #[test]
    fn frames_are_found_across_notifications_and_after_noise() {
        let frame = [
            0x02, 0xa5, 0x5a, 0x55, 0xaa, 0xf0, 0x00, 0xb1, 0x01, 0x00, 0x02, 0x90, 0x00, 0x03,
            0x00, 0x00,
        ];
        let mut buffer = vec![0xee, 0x02];
        buffer.extend(frame.get(..8).unwrap());
        assert!(take_frames(&mut buffer).is_empty());
        buffer.extend(frame.get(8..).unwrap());
        assert_eq!(take_frames(&mut buffer), vec![frame.to_vec()]);
        assert!(buffer.is_empty());
    }
}
