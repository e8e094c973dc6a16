//! TCode v0.3 firmware: newline-terminated ASCII lines on a serial stream.

use std::collections::BTreeMap;

use super::{Firmware, Notifications, SimDevice, SimIdentity};
use crate::{AdvertisementBuf, Endpoint};

/// One axis: its level in ten-thousandths of the range, and the last movement time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Axis {
    /// 0 ..= 9999.
    pub level: u32,
    /// The `I` (interval) of the last command, in ms.
    pub interval_ms: Option<u32>,
}

/// Lines [`TCodeFirmware::lines`] keeps: enough for any test to look back on, and a fixed cost
/// for a device that runs for hours.
const LINES_KEPT: usize = 64;

/// The firmware of a TCode v0.3 device (a stroker).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TCodeFirmware {
    partial: Vec<u8>,
    lines: Vec<String>,
    axes: BTreeMap<String, Axis>,
}

impl TCodeFirmware {
    /// The last complete lines received (at most 64), oldest first.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// An axis by name (`L0`, `R0`, `V1`, ...).
    pub fn axis(&self, name: &str) -> Option<Axis> {
        self.axes.get(name).copied()
    }

    fn run_line(&mut self, line: &str) -> Option<String> {
        match line.trim() {
            "D0" => return Some("bpio simulated TCode stroker\n".to_owned()),
            "D1" => return Some("TCode v0.3\n".to_owned()),
            "DSTOP" => {
                self.axes
                    .iter_mut()
                    .filter(|(name, _)| name.starts_with('V'))
                    .for_each(|(_, axis)| axis.level = 0);
                return None;
            }
            _ => {}
        }
        for token in line.split_whitespace() {
            self.run_token(token);
        }
        None
    }

    /// `<letter><digit><magnitude digits>[I<ms>]`; anything else is ignored, as firmware does.
    fn run_token(&mut self, token: &str) {
        let mut chars = token.char_indices();
        let (Some((_, letter)), Some((_, channel))) = (chars.next(), chars.next()) else { return };
        if !matches!(letter, 'L' | 'R' | 'V' | 'A') || !channel.is_ascii_digit() {
            return;
        }
        let rest = token.get(2..).unwrap_or_default();
        let (magnitude, interval) = match rest.split_once('I') {
            Some((magnitude, ms)) => (magnitude, ms.parse::<u32>().ok()),
            None => (rest, None),
        };
        if magnitude.is_empty() || !magnitude.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        // The digits are a decimal fraction: scale them to four digits.
        let four: String = magnitude.chars().chain(std::iter::repeat('0')).take(4).collect();
        let Ok(level) = four.parse::<u32>() else { return };
        self.axes.insert(format!("{letter}{channel}"), Axis { level, interval_ms: interval });
    }
}

impl Firmware for TCodeFirmware {
    fn handle_write(&mut self, endpoint: Endpoint, data: &[u8]) -> Notifications {
        if endpoint != Endpoint::Tx {
            return Vec::new();
        }
        self.partial.extend_from_slice(data);
        let mut answers = Vec::new();
        while let Some(end) = self.partial.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line).trim_end().to_owned();
            if let Some(answer) = self.run_line(&line) {
                answers.push((Endpoint::Rx, answer.into_bytes()));
            }
            if self.lines.len() == LINES_KEPT {
                self.lines.remove(0);
            }
            self.lines.push(line);
        }
        answers
    }
}

/// A TCode v0.3 stroker on serial port `port`.
pub fn tcode_stroker(port: &str) -> SimDevice<TCodeFirmware> {
    SimDevice {
        identity: SimIdentity {
            name: "TCode Stroker".to_owned(),
            address: port.to_owned(),
            advertisement: AdvertisementBuf::Serial { port: port.to_owned() },
            gatt: BTreeMap::new(),
            fixed_endpoints: vec![Endpoint::Tx, Endpoint::Rx],
            stream: true,
        },
        firmware: TCodeFirmware::default(),
    }
}
