//! Fredorch (BLE): a stroker programmed with Modbus-style register writes on `tx`, without
//! response, each ending in its CRC-16/MODBUS (low byte first).
//!
//! Facts from the reference implementation:
//! - init subscribes to `rx` and waits up to 500 ms for the device's wake-up notification (it
//!   may not come). Then five writes, each answered on `rx` within 500 ms (no answer fails
//!   init): program mode `01 06 00 64 00 01`, record `01 06 00 69 00 00`, a move to position 0
//!   at speed 5 (as below), run `01 06 00 69 00 01`, repeat `01 06 00 6a 00 01`.
//! - a move is the program `01 10 00 6b 00 05 0a 00 <speed> 00 <speed> 00 <position> 00
//!   <position> 00 01`. The firmware has 15 positions and takes them times 10. The speed
//!   comes from a table of how long each speed (1–20) takes over each distance (1–15): the
//!   lowest speed of 1–19 whose time over the move's distance from the previous target (the
//!   first move starts from 0) is below the move's duration, else 20. A move of no distance
//!   has speed 0.
//!
//! Only `HwPositionWithDuration` is encoded: the database gives the device nothing else (the
//! reference's untested oscillation is left out). Stop sends nothing. No inputs; the
//! identifier is the advertised name.

use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;
use crc::{CRC_16_MODBUS, Crc};

use super::common::{EchoedInit, Encoder, Fredorch};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{byte, out_of_range, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "fredorch";

const CHECKSUM: Crc<u16> = Crc::<u16>::new(&CRC_16_MODBUS);
const ANSWER_TIMEOUT: Duration = Duration::from_millis(500);
const TOP_POSITION: u8 = 15;
/// The firmware's position unit, in tenths of a step.
const POSITION_SCALE: u8 = 10;
const TOP_SPEED: u8 = 20;
/// The speed of the move init programs.
const INIT_SPEED: u8 = 5;

/// How many ms a move takes at each speed (1–20, by column) over each distance (1–15
/// positions, by row).
#[rustfmt::skip]
const MOVE_MS: [[u32; TOP_SPEED as usize]; TOP_POSITION as usize] = [
    [1000, 800, 400, 235, 200, 172, 155, 92, 60, 45, 38, 34, 32, 28, 27, 26, 25, 24, 23, 22],
    [1500, 1000, 800, 680, 600, 515, 425, 265, 165, 115, 80, 70, 50, 48, 45, 35, 34, 33, 32, 30],
    [2500, 2310, 1135, 925, 792, 695, 565, 380, 218, 155, 105, 82, 70, 68, 65, 60, 48, 45, 43, 40],
    [3000, 2800, 1500, 1155, 965, 810, 690, 465, 260, 195, 140, 110, 85, 75, 74, 73, 70, 65, 60, 55],
    [3400, 3232, 2305, 1380, 1200, 1165, 972, 565, 328, 235, 162, 132, 98, 78, 75, 74, 73, 72, 71, 70],
    [3500, 3350, 2500, 1640, 1250, 1210, 1010, 645, 385, 275, 175, 160, 115, 95, 91, 90, 85, 80, 77, 75],
    [3600, 3472, 2980, 2060, 1560, 1275, 1132, 738, 430, 310, 230, 170, 128, 122, 110, 108, 105, 103, 101, 100],
    [3800, 3500, 3055, 2105, 1740, 1370, 1290, 830, 490, 355, 235, 195, 150, 140, 135, 132, 130, 125, 120, 119],
    [3900, 3518, 3190, 2315, 2045, 1510, 1442, 1045, 552, 392, 280, 225, 172, 145, 140, 138, 135, 134, 132, 130],
    [6000, 5755, 3240, 2530, 2135, 1605, 1500, 1200, 595, 425, 285, 245, 175, 170, 160, 155, 150, 145, 142, 140],
    [6428, 5872, 3335, 2780, 2270, 1782, 1590, 1310, 648, 470, 315, 255, 182, 180, 175, 172, 170, 162, 160, 155],
    [6730, 5950, 3490, 2995, 2395, 1890, 1650, 1350, 700, 500, 350, 290, 220, 190, 185, 180, 175, 170, 165, 160],
    [6962, 6122, 3880, 3205, 2465, 1900, 1700, 1400, 835, 545, 375, 310, 228, 195, 190, 185, 182, 181, 180, 175],
    [7945, 6365, 4130, 3470, 2505, 1910, 1755, 1510, 855, 580, 400, 330, 235, 210, 205, 200, 195, 190, 185, 180],
    [8048, 7068, 4442, 3708, 2668, 1930, 1800, 1520, 878, 618, 428, 365, 260, 255, 250, 240, 230, 220, 210, 200],
];

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    let init = [
        vec![0x01, 0x06, 0x00, 0x64, 0x00, 0x01],
        vec![0x01, 0x06, 0x00, 0x69, 0x00, 0x00],
        program(INIT_SPEED, 0),
        vec![0x01, 0x06, 0x00, 0x69, 0x00, 0x01],
        vec![0x01, 0x06, 0x00, 0x6a, 0x00, 0x01],
    ];
    let init = init.into_iter().map(|mut data| {
        append_checksum(&mut data);
        data
    });
    let init = EchoedInit::new(NAME, init, ANSWER_TIMEOUT, true).with_greeting();
    Fredorch::create(init, Moves { position: 0 })
}

/// The encoding of moves.
#[derive(Debug)]
struct Moves {
    /// The last target, from which the next move's distance counts.
    position: u8,
}

/// The program of a move to `position` (0–15) at `speed`, without its checksum.
fn program(speed: u8, position: u8) -> Vec<u8> {
    let at = position.saturating_mul(POSITION_SCALE);
    vec![
        0x01, 0x10, 0x00, 0x6b, 0x00, 0x05, 0x0a, 0x00, speed, 0x00, speed, 0x00, at, 0x00, at,
        0x00, 0x01,
    ]
}

fn append_checksum(data: &mut Vec<u8>) {
    let checksum = CHECKSUM.checksum(data);
    data.extend(checksum.to_le_bytes());
}

/// The speed of a move over `distance` positions in `duration_ms`.
fn speed(distance: u8, duration_ms: u32) -> u8 {
    let Some(row) = usize::from(distance.min(TOP_POSITION)).checked_sub(1) else {
        return 0;
    };
    let times: &[u32] = MOVE_MS.get(row).map_or(&[], |row| row.as_slice());
    // The table's last column is never compared: what no slower speed manages gets the top.
    (1..TOP_SPEED)
        .zip(times)
        .find(|(_, ms)| **ms < duration_ms)
        .map_or(TOP_SPEED, |(speed, _)| speed)
}

impl Encoder for Moves {
    fn encode(&mut self, batch: &[(u32, HwOutput)]) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut from = self.position;
        let mut writes = Vec::with_capacity(batch.len());
        for (feature, command) in batch {
            if command.output != OutputType::HwPositionWithDuration {
                return Err(unsupported(*feature, command));
            }
            let ms = command
                .duration
                .ok_or(ProtocolError::BadDuration { feature: *feature, duration: None })?;
            let to = byte(*feature, command)?;
            if to > TOP_POSITION {
                return Err(out_of_range(*feature, command));
            }
            let mut data = program(speed(from.abs_diff(to), ms), to);
            append_checksum(&mut data);
            writes.push(tx(data));
            from = to;
        }
        self.position = from;
        Ok(writes)
    }
}

#[cfg(test)]
mod tests {
    use super::speed;

    #[test]
    fn the_speed_is_the_slowest_that_makes_the_duration() {
        assert_eq!(speed(0, 100), 0, "no distance");
        assert_eq!(speed(1, 1001), 1);
        assert_eq!(speed(1, 1000), 2, "the time must be below the duration");
        assert_eq!(speed(1, 24), 19);
        assert_eq!(speed(1, 23), 20, "no speed below the top is fast enough");
        assert_eq!(speed(15, 0), 20);
        assert_eq!(speed(15, 8049), 1);
        assert_eq!(speed(200, 8049), 1, "a longer distance counts as the longest");
    }
}
