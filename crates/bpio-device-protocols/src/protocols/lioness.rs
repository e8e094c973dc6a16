//! Lioness (BLE): init subscribes to `rx` and writes `[01 aa aa bb cc 10]` to `tx` with
//! response; then the level is the last byte of `[02 aa bb cc cc level]` on `tx`. No inputs (what
//! the device sends on `rx` is not a reading); identified by the advertised name. Facts from the
//! reference implementation, which notes that the toy may need pairing with the system first
//! (PIN 6496 or 006496) before the init write succeeds.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "lioness";

const START: [u8; 6] = [0x01, 0xaa, 0xaa, 0xbb, 0xcc, 0x10];

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write).with_init([HardwareCommand::subscribe(Endpoint::Rx), tx_acked(START)])
}

fn write(feature: u32, command: &HwOutput, level: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx([0x02, 0xaa, 0xbb, 0xcc, 0xcc, level]))
}
