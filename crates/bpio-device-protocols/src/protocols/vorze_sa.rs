//! Vorze SA series (A10 Cyclone SA, UFO SA, UFO TW, Bach, Rocket, Piston, Omorfi): the device
//! name as identifier, no handshake, three-byte packets on `tx` written with response. The
//! definition's `protocol_variant` selects the packet, and for the single-motor variants the
//! advertised name selects the model byte:
//!
//! - `vorze-sa-single-rotator` (Cyclone `0x01` when the name contains "cycsa", UFO `0x02` when it
//!   contains "ufo"): `[model, 0x01, direction << 7 | speed]`, direction 1 for clockwise
//!   (positive values and 0);
//! - `vorze-sa-dual-rotator` (UFO TW): `[0x05, left, right]`, each rotor as above; a rotor not yet
//!   commanded is 0 clockwise (`0x80`), and a batch is one packet;
//! - `vorze-sa-single-vibrator` (Bach `0x06` for "bach", Rocket `0x07` for "rocket"):
//!   `[model, 0x03, level]`;
//! - `vorze-sa-dual-vibrator` (Omorfi, name containing "omor"): `[0x09, level 1, level 2]`;
//! - `vorze-sa-piston`: `[0x03, position, speed]`, the speed (0–100) from the distance to the
//!   previous target (the first move starts from 0) and the duration: with the distance `d`
//!   (capped at 200) and the duration `t` in ms, speed = `(200 t / d / 6658)^-1.21`, capped at
//!   100; a move of no distance has speed 100.
//!
//! Names are compared without regard to case. A definition without a variant, or a name that
//! names no model of its variant, is refused at `configure`, as the reference implementation
//! refuses to connect such a device.

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{Levels, byte, byte_of, out_of_range, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "vorze-sa";

/// The action byte of a rotation.
const ROTATE: u8 = 0x01;
/// The action byte of a vibration.
const VIBRATE: u8 = 0x03;
/// The model byte of the UFO TW.
const UFO_TW: u8 = 0x05;
/// The model byte of the Omorfi.
const OMORFI: u8 = 0x09;
/// The model byte of the Piston.
const PISTON: u8 = 0x03;

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(VorzeSa { identifier: info.name.to_owned(), variant: Variant::Unconfigured })
}

#[derive(Debug)]
enum Variant {
    Unconfigured,
    SingleRotator { model: u8 },
    DualRotator(Levels),
    SingleVibrator { model: u8 },
    DualVibrator(Levels),
    Piston { position: u8 },
}

#[derive(Debug)]
struct VorzeSa {
    identifier: String,
    variant: Variant,
}

/// A rotation byte: direction in the top bit (1 clockwise), speed below.
fn rotation(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    if command.output != OutputType::Rotate {
        return Err(unsupported(feature, command));
    }
    let speed = u8::try_from(command.value.unsigned_abs())
        .ok()
        .filter(|speed| *speed < 0x80)
        .ok_or_else(|| out_of_range(feature, command))?;
    let clockwise = if command.value >= 0 { 0x80 } else { 0x00 };
    Ok(clockwise | speed)
}

/// The Piston's speed for a move of `distance` position steps in `duration_ms`.
fn piston_speed(distance: u8, duration_ms: u32) -> u8 {
    if distance == 0 {
        return 100;
    }
    let distance = f64::from(distance).min(200.0);
    let full_stroke_ms = 200.0 * f64::from(duration_ms) / distance;
    let speed = libm::pow(full_stroke_ms / 6658.0, -1.21);
    // A zero duration is infinitely fast: capped like any speed above 100.
    #[allow(clippy::cast_possible_truncation)] // Clamped to 0–100 first; NaN cannot occur.
    let byte = speed.clamp(0.0, 100.0) as u8;
    byte
}

impl Protocol for VorzeSa {
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let name = self.identifier.to_ascii_lowercase();
        let model = |choices: &[(&str, u8)]| {
            choices.iter().find(|(part, _)| name.contains(part)).map(|(_, model)| *model)
        };
        let variant = definition.protocol_variant.as_deref();
        self.variant = match variant {
            Some("vorze-sa-single-rotator") => model(&[("cycsa", 0x01), ("ufo", 0x02)])
                .map(|model| Variant::SingleRotator { model }),
            Some("vorze-sa-dual-rotator") => {
                Some(Variant::DualRotator(Levels::at_rest(0..2, 0x80)))
            }
            Some("vorze-sa-single-vibrator") => model(&[("bach", 0x06), ("rocket", 0x07)])
                .map(|model| Variant::SingleVibrator { model }),
            Some("vorze-sa-dual-vibrator") => {
                name.contains("omor").then(|| Variant::DualVibrator(Levels::new(0..2)))
            }
            Some("vorze-sa-piston") => Some(Variant::Piston { position: 0 }),
            _ => None,
        }
        .ok_or_else(|| {
            let variant = variant.unwrap_or("no variant");
            ProtocolError::UnknownProtocol(format!("{NAME} ({variant}) for this device name"))
        })?;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let write = |data: [u8; 3]| HardwareCommand::write_with_response(Endpoint::Tx, data);
        match &mut self.variant {
            Variant::Unconfigured => Err(ProtocolError::OutOfOrder("command before configure")),
            Variant::SingleRotator { model } => batch
                .iter()
                .map(|(feature, command)| Ok(write([*model, ROTATE, rotation(*feature, command)?])))
                .collect(),
            Variant::DualRotator(levels) => {
                levels.apply_with(batch, rotation)?;
                match levels.levels() {
                    [left, right] => Ok(vec![write([UFO_TW, *left, *right])]),
                    _ => Err(ProtocolError::OutOfOrder("the UFO TW has two rotors")),
                }
            }
            Variant::SingleVibrator { model } => {
                write_each(batch, byte, |feature, command, level| {
                    if command.output != OutputType::Vibrate {
                        return Err(unsupported(feature, command));
                    }
                    Ok(write([*model, VIBRATE, level]))
                })
            }
            Variant::DualVibrator(levels) => {
                levels.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
                match levels.levels() {
                    [first, second] => Ok(vec![write([OMORFI, *first, *second])]),
                    _ => Err(ProtocolError::OutOfOrder("the Omorfi has two motors")),
                }
            }
            Variant::Piston { position } => {
                let mut current = *position;
                let mut writes = Vec::with_capacity(batch.len());
                for (feature, command) in batch {
                    let (OutputType::HwPositionWithDuration, Some(ms)) =
                        (command.output, command.duration)
                    else {
                        return Err(unsupported(*feature, command));
                    };
                    let target = byte(*feature, command)?;
                    let speed = piston_speed(current.abs_diff(target), ms);
                    current = target;
                    writes.push(write([PISTON, target, speed]));
                }
                *position = current;
                Ok(writes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::piston_speed;

    #[test]
    fn piston_speed_follows_the_curve_and_its_edges() {
        assert_eq!(piston_speed(0, 500), 100, "no distance");
        assert_eq!(piston_speed(99, 0), 100, "no time");
        assert_eq!(piston_speed(99, 1000), 4);
        assert_eq!(piston_speed(99, 200), 29);
        assert_eq!(piston_speed(50, 100), 30);
    }

    /// `pow` comes from the `libm` crate: every distance, and durations up to 30 s, give the
    /// byte the system's `pow` gives.
    #[test]
    fn piston_speed_is_the_byte_the_system_pow_gives() {
        for distance in 1..=200u8 {
            for duration_ms in (0..=30_000).step_by(7) {
                let full_stroke_ms = 200.0 * f64::from(duration_ms) / f64::from(distance);
                let system = (full_stroke_ms / 6658.0).powf(-1.21).clamp(0.0, 100.0);
                #[allow(clippy::cast_possible_truncation)] // Clamped to 0–100.
                let expected = system as u8;
                assert_eq!(
                    piston_speed(distance, duration_ms),
                    expected,
                    "{distance} {duration_ms}"
                );
            }
        }
    }
}
