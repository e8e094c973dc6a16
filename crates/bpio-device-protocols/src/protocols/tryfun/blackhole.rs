//! TryFun Black Hole (Plus, Rock; BLE): one write per feature on `tx`, without response:
//! `<n> 02 00 03 <code> <level> <check>`, with `<code>` 0c for oscillate and 09 for vibrate,
//! `<n>` a packet counter from 0 (wrapping at 256), and the check `ff` minus the five bytes
//! after `<n>`, plus 6, modulo 256. No handshake, no inputs; the identifier is the advertised
//! name. Facts from the reference implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{byte, tx, unsupported};

/// The database name.
pub(crate) const NAME: &str = "tryfun-blackhole";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(BlackHole { counter: 0 })
}

#[derive(Debug)]
struct BlackHole {
    /// The number of the next packet.
    counter: u8,
}

impl Protocol for BlackHole {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        // Check the whole batch first: a refused batch must not advance the counter.
        let mut bodies = Vec::with_capacity(batch.len());
        for (feature, command) in batch {
            let code = match command.output {
                OutputType::Oscillate => 0x0c,
                OutputType::Vibrate => 0x09,
                _ => return Err(unsupported(*feature, command)),
            };
            bodies.push([0x02, 0x00, 0x03, code, byte(*feature, command)?]);
        }
        Ok(bodies
            .into_iter()
            .map(|body| {
                let check = body.iter().fold(0xff_u8, |check, byte| check.wrapping_sub(*byte));
                let mut data = vec![self.counter];
                data.extend(body);
                data.push(check.wrapping_add(6));
                self.counter = self.counter.wrapping_add(1);
                tx(data)
            })
            .collect())
    }
}
