//! Sexverse v2: identified by the advertised name; init writes `aa 04` on `tx`. Then each motor
//! takes `aa 03 01 <motor> 64 <speed>`, motors numbered from 1 by feature, vibrators and
//! oscillating motors alike. All writes are with response; each feature of a batch is its own
//! write.

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol, Step};
use crate::protocols::common::{byte, motor_number, tx_acked, unsupported, write_each};

/// The database name.
pub(crate) const NAME: &str = "sexverse-v2";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(SexverseV2 { init: Init::Identified })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Init {
    /// Identification has no steps; init starts once configured.
    Identified,
    Greet,
    Done,
}

#[derive(Debug)]
struct SexverseV2 {
    init: Init,
}

impl Protocol for SexverseV2 {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(match self.init {
            Init::Greet => {
                self.init = Init::Done;
                Step::Command(tx_acked([0xaa, 0x04]))
            }
            Init::Identified | Init::Done => Step::Done,
        })
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.init = Init::Greet;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, byte, |feature, command, speed| {
            match (command.output, motor_number(feature)) {
                (OutputType::Vibrate | OutputType::Oscillate, Some(motor)) => {
                    Ok(tx_acked([0xaa, 0x03, 0x01, motor, 0x64, speed]))
                }
                _ => Err(unsupported(feature, command)),
            }
        })
    }
}
