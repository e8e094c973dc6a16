//! The Cowgirl Cone (BLE): init writes `[aa 56 00 00]` to `tx` and then gives the firmware 3 s
//! before the first command; each command is `[f1 01 <level> 00]` on `tx`. Writes are without
//! response. No inputs; the identifier is the advertised name. Facts from the reference
//! implementation.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol, Step};
use crate::protocols::common::{byte, tx, unsupported, write_each};

/// The database name.
pub(crate) const NAME: &str = "cowgirl-cone";

const WAKE_UP: [u8; 4] = [0xaa, 0x56, 0x00, 0x00];
/// How long the firmware needs after the wake-up write.
const SETTLE: Duration = Duration::from_secs(3);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(CowgirlCone { init: Init::Identified })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Init {
    /// Before `configure`: identification has no steps.
    Identified,
    WakeUp,
    Settle,
    Done,
}

#[derive(Debug)]
struct CowgirlCone {
    init: Init,
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0xf1, 0x01, level, 0x00]))
}

impl Protocol for CowgirlCone {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        match self.init {
            Init::Identified | Init::Done => Ok(Step::Done),
            Init::WakeUp => {
                self.init = Init::Settle;
                Ok(Step::Command(tx(WAKE_UP)))
            }
            // Nothing answers on `tx`: the wait is a pause.
            Init::Settle => Ok(Step::Await { endpoint: Endpoint::Tx, timeout: SETTLE }),
        }
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        if self.init == Init::Settle {
            self.init = Init::Done;
        }
        Ok(())
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.init = Init::WakeUp;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, byte, write)
    }
}
