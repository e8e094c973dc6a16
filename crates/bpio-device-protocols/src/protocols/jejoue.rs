//! Je Joue (BLE): two vibrators, driven by one `[pattern, speed]` write on `tx` without
//! response. The firmware runs a single speed; the pattern picks the motors: 2 the first, 3 the
//! second, 1 both.
//!
//! Facts from the reference implementation, which never runs both motors together: while the
//! first motor runs it gets pattern 2 with its speed (whatever the second does), else a running
//! second motor gets pattern 3 with its speed, and at rest the write is `[1, 0]`. The protocol
//! remembers both speeds, so a batch is one write. No handshake, no inputs; identified by the
//! advertised name.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{Levels, tx};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "jejoue";

const BOTH: u8 = 1;
const FIRST: u8 = 2;
const SECOND: u8 = 3;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(JeJoue { speeds: Levels::first(2) })
}

#[derive(Debug)]
struct JeJoue {
    speeds: Levels,
}

impl Protocol for JeJoue {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.speeds.apply(batch, &[OutputType::Vibrate])?;
        let packet = match (self.speeds.at(0), self.speeds.at(1)) {
            (0, 0) => [BOTH, 0],
            (0, second) => [SECOND, second],
            (first, _) => [FIRST, first],
        };
        Ok(vec![tx(packet)])
    }
}
