//! Sexverse v1: one packet on `tx` sets every motor at once; no handshake, identified by the
//! advertised name.
//!
//! The packet is `23 07 <3 × motors>`, then per motor `<0x80 | number> <kind> <level>` with
//! motors numbered from 1 in feature order, then the XOR of all bytes before it. Kinds: 03
//! vibrator, 04 pump (constrict and oscillate outputs), 06 rotator. Since every packet carries
//! all motors, the protocol remembers each motor's level and a batch is always one write.

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{byte, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "sexverse-v1";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(SexverseV1 { motors: Vec::new() })
}

#[derive(Debug)]
struct Motor {
    feature: u32,
    output: OutputType,
    level: u8,
}

#[derive(Debug)]
struct SexverseV1 {
    /// Every output of the definition that the firmware has a motor kind for, in feature order.
    motors: Vec<Motor>,
}

/// The firmware's kind byte of a motor; `None` for outputs it has no motor for.
const fn motor_kind(output: OutputType) -> Option<u8> {
    match output {
        OutputType::Vibrate => Some(0x03),
        OutputType::Constrict | OutputType::Oscillate => Some(0x04),
        OutputType::Rotate => Some(0x06),
        _ => None,
    }
}

/// The length byte counts three bytes per motor, so a packet holds at most 85 motors.
const MAX_MOTORS: usize = 85;

impl SexverseV1 {
    fn packet(&self) -> Vec<u8> {
        // `configure` keeps the motors within MAX_MOTORS, so the length fits.
        let length = u8::try_from(self.motors.len().saturating_mul(3)).unwrap_or(u8::MAX);
        let mut packet = vec![0x23, 0x07, length];
        for (number, motor) in (1u8..).zip(&self.motors) {
            let kind = motor_kind(motor.output).unwrap_or_default();
            packet.extend([0x80 | number, kind, motor.level]);
        }
        let check = packet.iter().fold(0, |sum, byte| sum ^ byte);
        packet.push(check);
        packet
    }
}

impl Protocol for SexverseV1 {
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let motors: Vec<Motor> = definition
            .features
            .iter()
            .flat_map(|feature| {
                feature.outputs.keys().map(|kind| Motor {
                    feature: feature.index,
                    output: *kind,
                    level: 0,
                })
            })
            .filter(|motor| motor_kind(motor.output).is_some())
            .collect();
        if let Some(extra) = motors.get(MAX_MOTORS) {
            return Err(ProtocolError::UnsupportedOutput {
                feature: extra.feature,
                output: extra.output,
            });
        }
        self.motors = motors;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut levels = Vec::with_capacity(batch.len());
        for (feature, command) in batch {
            let at = self
                .motors
                .iter()
                .position(|motor| motor.feature == *feature && motor.output == command.output)
                .ok_or_else(|| unsupported(*feature, command))?;
            levels.push((at, byte(*feature, command)?));
        }
        for (at, level) in levels {
            if let Some(motor) = self.motors.get_mut(at) {
                motor.level = level;
            }
        }
        Ok(vec![tx(self.packet())])
    }
}
