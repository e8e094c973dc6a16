//! Bananasome (Rocket X7; BLE): one packet on `tx`, without response, carries the level of
//! every motor by feature index: `a0 03 <feature 0> <feature 1> <feature 2>`. Vibrate and
//! oscillate both set a level; the protocol remembers them, so a batch is one write. No
//! handshake, no inputs. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{Levels, tx};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "bananasome";

const MOTORS: usize = 3;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Bananasome { levels: Levels::first(MOTORS) })
}

#[derive(Debug)]
struct Bananasome {
    levels: Levels,
}

impl Protocol for Bananasome {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply(batch, &[OutputType::Vibrate, OutputType::Oscillate])?;
        let mut packet = vec![0xa0, 0x03];
        packet.extend(self.levels.levels());
        Ok(vec![tx(packet)])
    }
}
