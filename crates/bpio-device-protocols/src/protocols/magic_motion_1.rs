//! MagicMotion, first generation (Smart Bean, Flamingo, Magic Cell, Fugu, Xone, …), and the state
//! machine the later generations `magic-motion-2` and `magic-motion-4` share: the device name as
//! identifier, no handshake, one packet on `tx` per command, and the battery level on the
//! standard battery characteristic.
//!
//! Packets (`L`, `L1`, `L2`: motor levels 0–100):
//! - generation 1, one motor: `0b ff 04 0a 32 32 00 04 08 L 64 00`, one write per command
//!   (`Oscillate`, the Xone's only output, is the same packet);
//! - generation 2, two motor slots: `10 ff 04 0a 32 0a 00 04 08 L1 64 00 04 08 L2 64 01`, a model
//!   with one motor leaves the second slot 0. The Jive's second feature is an `Oscillate`
//!   output; it drives the second slot (the reference implementation has no encoding for it);
//! - generation 4: `10 ff 04 0a 32 32 00 04 08 L1 64 00 04 08 L2 64 01`, written with response;
//!   a model with one motor puts its level in both slots.
//!
//! Packets carrying two slots bundle a whole batch into one write.

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{BatteryRead, Levels, byte, byte_of, no_step_data, unsupported, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "magic-motion-1";

/// The output types that drive a motor.
const MOTOR_OUTPUTS: [OutputType; 2] = [OutputType::Vibrate, OutputType::Oscillate];

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(MagicMotion::new(info, Generation::First))
}

/// The packet layout of a generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generation {
    /// `magic-motion-1`: one motor per packet.
    First,
    /// `magic-motion-2`: two slots.
    Second,
    /// `magic-motion-4`: two slots, with response, one motor mirrored.
    Fourth,
}

impl Generation {
    const fn protocol(self) -> &'static str {
        match self {
            Self::First => NAME,
            Self::Second => super::magic_motion_2::NAME,
            Self::Fourth => super::magic_motion_4::NAME,
        }
    }
}

/// A MagicMotion device of any generation.
#[derive(Debug)]
pub(crate) struct MagicMotion {
    generation: Generation,
    identifier: String,
    levels: Levels,
    /// Generation 4 with one motor: its level goes into both slots.
    mirror: bool,
}

impl MagicMotion {
    /// A device of `generation`.
    pub(crate) fn new(info: &DeviceInfo<'_>, generation: Generation) -> Self {
        Self {
            generation,
            identifier: info.name.to_owned(),
            levels: Levels::new(0..2),
            mirror: false,
        }
    }

    /// Every generation reports its battery on the standard characteristic.
    #[allow(clippy::unused_self)] // The shape `battery_inputs!` calls.
    const fn battery(&self) -> Option<BatteryRead> {
        Some(BatteryRead::BLE)
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

impl Protocol for MagicMotion {
    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        no_step_data(self.generation.protocol(), endpoint, data)
    }

    fn identifier(&self) -> Option<&str> {
        Some(&self.identifier)
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
            Generation::First => write_each(batch, byte, |feature, command, level| {
                if !MOTOR_OUTPUTS.contains(&command.output) {
                    return Err(unsupported(feature, command));
                }
                let packet =
                    [0x0b, 0xff, 0x04, 0x0a, 0x32, 0x32, 0x00, 0x04, 0x08, level, 0x64, 0x00];
                Ok(HardwareCommand::write(Endpoint::Tx, packet))
            }),
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

    battery_inputs!(Self::battery);
}
