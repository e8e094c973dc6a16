//! What several protocol families share, each piece once: the refusals, hardware values as the
//! byte a firmware takes, one write per command ([`write_each`]), motor levels for firmware that
//! takes every motor in one write ([`Levels`], [`TypeLevels`]), the whole protocol of the
//! simplest firmware ([`PerFeature`]) and of single-motor firmware that needs its speed repeated
//! ([`RefreshedSpeed`]), reads of a model or battery characteristic, and the AES-ECB encryption
//! of several firmwares ([`EcbKey`]).

mod ecb;
mod levels;
mod per_feature;
mod reads;
mod refreshed_speed;
mod typed_packet;

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

pub(crate) use self::ecb::EcbKey;
pub(crate) use self::levels::{Levels, TypeLevels};
pub(crate) use self::per_feature::{PerFeature, RepeatLast, connection_stop};
pub use self::reads::BatteryRead;
pub(crate) use self::reads::{ModelRead, battery_byte, pushed_battery};
pub(crate) use self::refreshed_speed::RefreshedSpeed;
pub(crate) use self::typed_packet::TypedPacket;
use crate::error::ProtocolError;
use crate::protocol::HwOutput;

/// `handle_step_data` for protocols without a handshake: no data is expected.
pub(crate) fn no_step_data(
    protocol: &'static str,
    _: Endpoint,
    _: &[u8],
) -> Result<(), ProtocolError> {
    Err(ProtocolError::BadReply { protocol, reason: "data during a handshake without steps" })
}

/// The refusal of a command whose output type the firmware has no command for.
pub(crate) const fn unsupported(feature: u32, command: &HwOutput) -> ProtocolError {
    ProtocolError::UnsupportedOutput { feature, output: command.output }
}

/// The refusal of a value the firmware cannot take.
pub(crate) fn out_of_range(feature: u32, command: &HwOutput) -> ProtocolError {
    ProtocolError::ValueOutOfRange { feature, output: command.output, value: command.value.into() }
}

/// The hardware value as the single byte the firmware takes; a negative value is refused. The
/// database's ranges fit; a user config that widens a range beyond a byte is refused rather
/// than truncated.
pub(crate) fn byte(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    u8::try_from(command.value).map_err(|_| out_of_range(feature, command))
}

/// The size of the hardware value as one byte, for firmware that takes no direction (or takes
/// it apart from the speed): a bidirectional value turns the same size both ways.
pub(crate) fn magnitude(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    u8::try_from(command.value.unsigned_abs()).map_err(|_| out_of_range(feature, command))
}

/// [`byte`] for an output of one of the `accepts` types; other types are refused.
pub(crate) fn byte_of(
    accepts: &[OutputType],
) -> impl Fn(u32, &HwOutput) -> Result<u8, ProtocolError> + '_ {
    move |feature, command| {
        if accepts.contains(&command.output) {
            byte(feature, command)
        } else {
            Err(unsupported(feature, command))
        }
    }
}

/// The speed of a move of `from` → `to` (positions 0–99) in `duration_ms` on the curve of the
/// Fleshlight Launch, which several strokers' firmware took over: with the distance `d` as a
/// fraction of the stroke and the duration `t` in ms, `250 × (90 t / 100 d)^-1.05`, as a
/// fraction of full speed. Very fast moves pass 1, a move of no time is infinite, a move of no
/// distance is 0, and one of neither is NaN: each firmware maps these onto its own byte.
pub(crate) fn launch_speed(from: u8, to: u8, duration_ms: u32) -> f64 {
    let distance = f64::from(from.abs_diff(to)) / 99.0;
    let stroke_time = f64::from(duration_ms) * 90.0 / (distance.min(1.0) * 100.0);
    250.0 * libm::pow(stroke_time, -1.05)
}

/// The number of the motor on `feature` for firmware that counts motors from 1 in feature
/// order; `None` beyond what a byte holds.
pub(crate) fn motor_number(feature: u32) -> Option<u8> {
    u8::try_from(feature).ok()?.checked_add(1)
}

/// A write without response to `tx`, the endpoint most firmwares listen on.
pub(crate) fn tx(data: impl Into<Vec<u8>>) -> HardwareCommand {
    HardwareCommand::write(Endpoint::Tx, data)
}

/// A write with response to `tx`.
pub(crate) fn tx_acked(data: impl Into<Vec<u8>>) -> HardwareCommand {
    HardwareCommand::write_with_response(Endpoint::Tx, data)
}

/// What [`write_each`] takes for one command: one write, or several.
pub(crate) trait Writes {
    /// Appends the writes to `writes`.
    fn append_to(self, writes: &mut Vec<HardwareCommand>);
}

impl Writes for HardwareCommand {
    fn append_to(self, writes: &mut Vec<HardwareCommand>) {
        writes.push(self);
    }
}

impl Writes for Vec<HardwareCommand> {
    fn append_to(mut self, writes: &mut Vec<HardwareCommand>) {
        writes.append(&mut self);
    }
}

/// The writes of a batch, command by command in batch order, for firmware whose commands address
/// one motor each: `write` gets the feature, its command and the value as `to_byte` makes it
/// ([`byte`] or [`magnitude`]), and refuses what the firmware cannot do.
pub(crate) fn write_each<W: Writes>(
    batch: &[(u32, HwOutput)],
    to_byte: impl Fn(u32, &HwOutput) -> Result<u8, ProtocolError>,
    mut write: impl FnMut(u32, &HwOutput, u8) -> Result<W, ProtocolError>,
) -> Result<Vec<HardwareCommand>, ProtocolError> {
    let mut writes = Vec::with_capacity(batch.len());
    for (feature, command) in batch {
        write(*feature, command, to_byte(*feature, command)?)?.append_to(&mut writes);
    }
    Ok(writes)
}

#[cfg(test)]
mod tests {
    use bpio_protocol::v4::OutputType;

    use super::{byte, byte_of, magnitude, tx, unsupported, write_each};
    use crate::error::ProtocolError;
    use crate::protocol::HwOutput;

    /// The curve takes `pow` from the `libm` crate, not the system's libm: over every distance
    /// and durations up to 30 s, it differs from the system's in the last bits at most, and the
    /// speeds the firmwares' bytes are cut from come out the same.
    #[test]
    fn the_launch_curve_gives_the_speeds_the_system_pow_gives() {
        for distance in 0..=99u8 {
            for duration_ms in (0..=30_000).step_by(7) {
                let ours = super::launch_speed(0, distance, duration_ms);
                let length = f64::from(distance) / 99.0;
                let time = f64::from(duration_ms) * 90.0 / (length.min(1.0) * 100.0);
                let system = 250.0 * time.powf(-1.05);
                if ours.is_nan() || system.is_nan() {
                    assert!(ours.is_nan() && system.is_nan(), "{distance} in {duration_ms} ms");
                    continue;
                }
                let close = ours == system || (ours - system).abs() <= system.abs() * 1e-15;
                assert!(close, "{ours} vs {system}");
                for scale in [99.0, 255.0] {
                    let cut = |speed: f64| (speed.clamp(0.0, 1.0) * scale).floor();
                    assert_eq!(cut(ours), cut(system), "{distance} in {duration_ms} ms");
                }
            }
        }
    }

    #[test]
    fn a_byte_keeps_the_sign_a_magnitude_drops_it() {
        let backwards = HwOutput::new(OutputType::Rotate, -7);
        assert!(matches!(byte(0, &backwards), Err(ProtocolError::ValueOutOfRange { .. })));
        assert_eq!(magnitude(0, &backwards), Ok(7));
        let wide = HwOutput::new(OutputType::Vibrate, 256);
        assert!(matches!(byte(3, &wide), Err(ProtocolError::ValueOutOfRange { feature: 3, .. })));
        assert!(matches!(magnitude(3, &wide), Err(ProtocolError::ValueOutOfRange { .. })));
        let rotate = HwOutput::new(OutputType::Rotate, 1);
        assert_eq!(byte_of(&[OutputType::Vibrate])(1, &rotate), Err(unsupported(1, &rotate)));
    }

    #[test]
    fn write_each_takes_one_or_several_writes_per_command() {
        let vibrate = |value| HwOutput::new(OutputType::Vibrate, value);
        let batch = [(0, vibrate(1)), (1, vibrate(2))];
        let one = write_each(&batch, byte, |_, _, level| Ok(tx([level])));
        assert_eq!(one, Ok(vec![tx([1]), tx([2])]));
        let two = write_each(&batch, byte, |_, _, level| Ok(vec![tx([level]), tx([0])]));
        assert_eq!(two, Ok(vec![tx([1]), tx([0]), tx([2]), tx([0])]));
        let refused = write_each(&batch, byte, |feature, command, level| {
            if feature == 1 { Err(unsupported(feature, command)) } else { Ok(tx([level])) }
        });
        assert_eq!(refused, Err(unsupported(1, &vibrate(2))));
    }
}
