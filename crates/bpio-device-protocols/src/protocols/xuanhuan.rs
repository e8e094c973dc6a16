//! Xuanhuan (Masturbator; BLE): `[03 02 00 <speed>]` on `tx`, written with response; a speed of
//! 0 stops the motor.
//!
//! The firmware lets the motor stop when it hears nothing for a while, so the reference
//! rewrites the running speed every 300 ms: here the keep-alive repeats the packet after 300 ms
//! without writes while the speed is above 0, and sends nothing once it is 0. No handshake, no
//! inputs; the identifier is the advertised name. Facts from the reference implementation.

use std::time::Duration;

use bpio_hardware::HardwareCommand;

use super::common::{RefreshedSpeed, tx_acked};
use crate::protocol::{DeviceInfo, Protocol};

/// The database name.
pub(crate) const NAME: &str = "xuanhuan";

const REPEAT_INTERVAL: Duration = Duration::from_millis(300);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    RefreshedSpeed::create(packet, REPEAT_INTERVAL)
}

fn packet(speed: u8) -> HardwareCommand {
    tx_acked([0x03, 0x02, 0x00, speed])
}
