//! The state machine every MagicMotion generation shares (see each protocol file for its packets).

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol};
use crate::protocols::common::{BatteryRead, Levels, byte, byte_of, unsupported, write_each};

/// The output types that drive a motor.
const MOTOR_OUTPUTS: [OutputType; 2] = [OutputType::Vibrate, OutputType::Oscillate];

/// The packet layout of a generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generation {
    /// `magic-motion-1`: one motor per packet.
    First,
    /// `magic-motion-2`: two slots.
    Second,
    /// `magic-motion-3`: one motor per packet, as the first with other middle bytes.
    Third,
    /// `magic-motion-4`: two slots, with response, one motor mirrored.
    Fourth,
}

/// A MagicMotion device of any generation.
#[derive(Debug)]
pub(crate) struct MagicMotion {
    generation: Generation,
    levels: Levels,
    /// Generation 4 with one motor: its level goes into both slots.
    mirror: bool,
}

impl MagicMotion {
    /// A device of `generation`.
    pub(crate) fn new(generation: Generation) -> Self {
        Self { generation, levels: Levels::new(0..2), mirror: false }
    }

    fn two_slot_packet(&self, middle: u8) -> Vec<u8> {
        let (first, second) = match (self.levels.levels(), self.mirror) {
            ([first, _], true) => (*first, *first),
            ([first, second], false) => (*first, *second),
            _ => (0, 0),
        };
        vec![
            0x10, 0xff, 0x04, 0x0a, 0x32, middle, 0x00, 0x04, 0x08, first, 0x64, 0x00, 0x04, 0x08,
            second, 0x64, 0x01,
        ]
    }
}

/// One packet per command, `0b ff 04 0a <middle> <middle> 00 04 08 L 64 00`.
fn one_slot_packets(
    batch: &[(u32, HwOutput)],
    middle: u8,
) -> Result<Vec<HardwareCommand>, ProtocolError> {
    write_each(batch, byte, |feature, command, level| {
        if !MOTOR_OUTPUTS.contains(&command.output) {
            return Err(unsupported(feature, command));
        }
        let packet = [0x0b, 0xff, 0x04, 0x0a, middle, middle, 0x00, 0x04, 0x08, level, 0x64, 0x00];
        Ok(HardwareCommand::write(Endpoint::Tx, packet))
    })
}

impl Protocol for MagicMotion {
    fn battery(&self) -> Option<BatteryRead> {
        Some(BatteryRead::BLE)
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let motors = definition.features.iter().filter(|f| !f.outputs.is_empty()).count();
        self.mirror = self.generation == Generation::Fourth && motors == 1;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        match self.generation {
            Generation::First => one_slot_packets(batch, 0x32),
            Generation::Third => one_slot_packets(batch, 0x46),
            Generation::Second => {
                self.levels.apply_with(batch, byte_of(&MOTOR_OUTPUTS))?;
                Ok(vec![HardwareCommand::write(Endpoint::Tx, self.two_slot_packet(0x0a))])
            }
            Generation::Fourth => {
                self.levels.apply_with(batch, byte_of(&MOTOR_OUTPUTS))?;
                let packet = self.two_slot_packet(0x32);
                Ok(vec![HardwareCommand::write_with_response(Endpoint::Tx, packet)])
            }
        }
    }
}
