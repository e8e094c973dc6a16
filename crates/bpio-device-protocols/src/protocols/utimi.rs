//! Utimi (BLE): five motor slots in one packet on `tx`, without response:
//! `[a0 03 m0 m1 m2 m3 m4 aa]`, slot = feature index; vibrate and oscillate both set a slot and
//! every packet carries the last level of all five. A batch is one packet. No handshake, no
//! inputs; the identifier is the advertised name.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{Levels, tx};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "utimi";

const SLOTS: u32 = 5;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Utimi { motors: Levels::new(0..SLOTS) })
}

#[derive(Debug)]
struct Utimi {
    motors: Levels,
}

impl Protocol for Utimi {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.motors.apply(batch, &[OutputType::Vibrate, OutputType::Oscillate])?;
        let mut data = vec![0xa0, 0x03];
        data.extend(self.motors.levels());
        data.push(0xaa);
        Ok(vec![tx(data)])
    }
}
