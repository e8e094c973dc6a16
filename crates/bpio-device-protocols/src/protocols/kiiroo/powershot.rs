//! Kiiroo PowerShot (BLE): both motors in every write, `[01 00 00 <motor 0> <motor 1> 00]` on
//! `tx` with response, so a batch is one write. The battery is the standard characteristic, as
//! the Spot's. No handshake; the identifier is the advertised name. Facts from the reference
//! implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{BatteryRead, Levels, tx_acked};

/// The database name.
pub(crate) const NAME: &str = "kiiroo-powershot";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(PowerShot { motors: Levels::new(0..2) })
}

#[derive(Debug)]
struct PowerShot {
    motors: Levels,
}

impl Protocol for PowerShot {
    fn battery(&self) -> Option<BatteryRead> {
        Some(BatteryRead::BLE)
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.motors.apply(batch, &[OutputType::Vibrate])?;
        let [first, second] = [0, 1].map(|slot| self.motors.at(slot));
        Ok(vec![tx_acked([0x01, 0x00, 0x00, first, second, 0x00])])
    }
}
