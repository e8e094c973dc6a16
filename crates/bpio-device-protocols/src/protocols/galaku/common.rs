//! The scrambled packet of Galaku firmware.

const HEADER: u8 = 0x23;
const KEYS: [[u8; 12]; 4] = [
    [0, 24, 152, 247, 165, 61, 13, 41, 37, 80, 68, 70],
    [0, 69, 110, 106, 111, 120, 32, 83, 45, 49, 46, 55],
    [0, 101, 120, 32, 84, 111, 121, 115, 10, 142, 157, 163],
    [0, 197, 214, 231, 248, 10, 50, 32, 111, 98, 13, 10],
];

/// The scrambled packet for a ten-byte payload (`galaku-pump` uses it too).
pub(crate) fn packet(payload: [u8; 10]) -> Vec<u8> {
    let mut plain = Vec::with_capacity(12);
    plain.push(HEADER);
    plain.extend(payload);
    plain.push(plain.iter().fold(0_u8, |sum, byte| sum.wrapping_add(*byte)));
    let mut out: Vec<u8> = Vec::with_capacity(plain.len());
    for (column, byte) in plain.iter().enumerate() {
        let scrambled = match out.last() {
            None => *byte,
            Some(previous) => {
                let row = KEYS.get(usize::from(previous & 3));
                let key = row.and_then(|row| row.get(column)).copied().unwrap_or(0);
                (key ^ HEADER ^ byte).wrapping_add(key)
            }
        };
        out.push(scrambled);
    }
    out
}
