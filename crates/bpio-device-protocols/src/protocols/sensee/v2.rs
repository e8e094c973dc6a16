//! Sensee, second protocol (Capsule, Astronaut, Easylive, Markel, …): the device name as
//! identifier, framed binary packets on `tx`.
//!
//! Init: read up to 128 bytes from `tx` (500 ms); byte 6 of the answer is the device type, and
//! when the answer is shorter or that byte is 0 the type is `0x65`.
//!
//! Every command is one packet carrying every motor of the device:
//! `55 aa f0 02 00 <4 + n> <device type> f1 <n data bytes> 00 00`. The data is the number of
//! groups, then per group `<group> <motor count>` and per motor `<position from 1> <level>`.
//! Groups are vibrators (0), thrusters (`Oscillate`, 1) and suction (`Constrict`, 2), each present
//! when a feature of the definition has that output; motors are in feature order. The last two
//! bytes are a checksum the firmware does not check, always 0. A batch is one packet.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol, Step};
use crate::protocols::common::{byte, no_step_data, unsupported};

/// The database name.
pub(crate) const NAME: &str = "sensee-v2";

/// The device type when the init answer gives none.
const DEFAULT_DEVICE_TYPE: u8 = 0x65;
const MODEL_READ_LENGTH: u32 = 128;
const MODEL_READ_TIMEOUT: Duration = Duration::from_millis(500);

/// Motors per group a packet can address (its length is one byte); more are refused.
const MAX_MOTORS: usize = 40;

/// The groups of a packet: output type and group code.
const GROUPS: [(OutputType, u8); 3] =
    [(OutputType::Vibrate, 0), (OutputType::Oscillate, 1), (OutputType::Constrict, 2)];

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(SenseeV2 { init: Init::Idle, device_type: DEFAULT_DEVICE_TYPE, groups: Vec::new() })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Init {
    /// Before `configure`: identification has no steps.
    Idle,
    /// Configured: read the model data.
    ReadModel,
    /// Done (the read's answer arrived).
    Done,
}

/// One group of motors: its code, the output type that drives it, and (feature, level) per
/// motor.
#[derive(Debug, Clone)]
struct Group {
    code: u8,
    output: OutputType,
    motors: Vec<(u32, u8)>,
}

#[derive(Debug)]
struct SenseeV2 {
    init: Init,
    device_type: u8,
    groups: Vec<Group>,
}

impl SenseeV2 {
    fn packet(&self) -> Vec<u8> {
        // Lengths fit a byte: configure keeps at most MAX_MOTORS motors in each of 3 groups.
        let byte = |count: usize| u8::try_from(count).unwrap_or(u8::MAX);
        let mut data = vec![byte(self.groups.len())];
        for group in &self.groups {
            data.extend([group.code, byte(group.motors.len())]);
            for (position, (_, level)) in (1u8..).zip(&group.motors) {
                data.extend([position, *level]);
            }
        }
        let mut packet = vec![0x55, 0xaa, 0xf0, 0x02, 0x00, byte(data.len() + 4), self.device_type];
        packet.push(0xf1);
        packet.extend(data);
        packet.extend([0x00, 0x00]);
        packet
    }
}

impl Protocol for SenseeV2 {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(match self.init {
            Init::Idle | Init::Done => Step::Done,
            Init::ReadModel => Step::Command(HardwareCommand::read(
                Endpoint::Tx,
                MODEL_READ_LENGTH,
                MODEL_READ_TIMEOUT,
            )),
        })
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        if self.init != Init::ReadModel || endpoint != Endpoint::Tx {
            return no_step_data(NAME, endpoint, data);
        }
        self.device_type = data.get(6).copied().filter(|t| *t != 0).unwrap_or(DEFAULT_DEVICE_TYPE);
        tracing::debug!(protocol = NAME, device_type = self.device_type, "model data read");
        self.init = Init::Done;
        Ok(())
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        self.groups = GROUPS
            .iter()
            .filter_map(|(output, code)| {
                let motors: Vec<(u32, u8)> = definition
                    .features
                    .iter()
                    .filter(|feature| feature.outputs.contains_key(output))
                    .map(|feature| (feature.index, 0))
                    .take(MAX_MOTORS)
                    .collect();
                (!motors.is_empty()).then_some(Group { code: *code, output: *output, motors })
            })
            .collect();
        self.init = Init::ReadModel;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut groups = self.groups.clone();
        for (feature, command) in batch {
            let level = byte(*feature, command)?;
            let slot = groups
                .iter_mut()
                .filter(|group| group.output == command.output)
                .flat_map(|group| group.motors.iter_mut())
                .find(|(index, _)| index == feature)
                .ok_or_else(|| unsupported(*feature, command))?;
            slot.1 = level;
        }
        self.groups = groups;
        Ok(vec![HardwareCommand::write(Endpoint::Tx, self.packet())])
    }
}
