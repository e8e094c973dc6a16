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

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(HoneyPlayBox {
        name: info.name.to_owned(),
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
    name: String,
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
        data.extend(md5(&signed).into_iter().take(8));
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
    let crc = crc16_modbus(&checked);
    let mut out = Vec::with_capacity(checked.len() + 10);
    out.extend(MAGIC);
    out.push(counter);
    out.extend(checked);
    out.push(END);
    out.extend(crc.to_be_bytes());
    HardwareCommand::write_with_response(Endpoint::Tx, out)
}

fn crc16_modbus(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for byte in data {
        crc ^= u16::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xa001 } else { crc >> 1 };
        }
    }
    crc
}

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

    fn identifier(&self) -> Option<&str> {
        Some(&self.name)
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

    no_subscriptions!();

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

/// MD5 (RFC 1321) of `message`: the firmware's signature.
fn md5(message: &[u8]) -> [u8; 16] {
    const SHIFTS: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // The integer part of 2^32 * |sin(i + 1)|.
    const SINES: [u32; 64] = [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391,
    ];
    let mut state: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    let bits = u64::try_from(message.len()).unwrap_or(u64::MAX).wrapping_mul(8);
    padded.extend(bits.to_le_bytes());
    for block in padded.chunks_exact(64) {
        let mut words = [0_u32; 16];
        for (word, bytes) in words.iter_mut().zip(block.chunks_exact(4)) {
            *word = <[u8; 4]>::try_from(bytes).map_or(0, u32::from_le_bytes);
        }
        let [mut a, mut b, mut c, mut d] = state;
        for (round, (shift, sine)) in SHIFTS.iter().zip(SINES).enumerate() {
            let (mix, word) = match round / 16 {
                0 => ((b & c) | (!b & d), round),
                1 => ((d & b) | (!d & c), (5 * round + 1) % 16),
                2 => (b ^ c ^ d, (3 * round + 5) % 16),
                _ => (c ^ (b | !d), (7 * round) % 16),
            };
            let input = words.get(word).copied().unwrap_or(0);
            let sum = a.wrapping_add(mix).wrapping_add(sine).wrapping_add(input);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(sum.rotate_left(*shift));
        }
        for (value, add) in state.iter_mut().zip([a, b, c, d]) {
            *value = value.wrapping_add(add);
        }
    }
    let mut digest = [0_u8; 16];
    for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_le_bytes());
    }
    digest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_rfc_test_suite() {
        let hex = |digest: [u8; 16]| digest.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(md5(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(hex(md5(b"message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
        let long =
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890";
        assert_eq!(hex(md5(long)), "57edf4a22be3c955ac49da2e2107b67a");
    }

    fn waiting() -> HoneyPlayBox {
        HoneyPlayBox {
            name: String::new(),
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
