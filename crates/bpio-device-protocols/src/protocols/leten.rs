//! Leten (BLE): `02 <speed>` on `tx`, written with response, one write per command.
//!
//! Facts from the reference implementation. Init writes `04 01` with response. The firmware
//! stops without traffic, so whatever the backend the last packet is repeated after a second
//! without writes; until the first command that is the stop packet `02 00`, which init sends
//! too. No inputs; identified by the advertised name.

use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{PerFeature, tx_acked, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "leten";

const START: [u8; 2] = [0x04, 0x01];
const STOP: [u8; 2] = [0x02, 0x00];
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(1);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    PerFeature::create(write)
        .with_init([tx_acked(START), tx_acked(STOP)])
        .always_repeating_last(KEEPALIVE_INTERVAL, tx_acked(STOP))
}

fn write(feature: u32, command: &HwOutput, speed: u8) -> Result<HardwareCommand, ProtocolError> {
    if command.output != OutputType::Vibrate {
        return Err(unsupported(feature, command));
    }
    Ok(tx_acked([0x02, speed]))
}
