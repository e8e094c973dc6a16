//! Xuanhuan (Masturbator; BLE): `[03 02 00 <speed>]` on `tx`, written with response; a speed of
//! 0 stops the motor.
//!
//! The firmware lets the motor stop when it hears nothing for a while, so the reference
//! rewrites the running speed every 300 ms: here the keep-alive repeats the packet after 300 ms
//! without writes while the speed is above 0, and sends nothing once it is 0. No handshake, no
//! inputs; the identifier is the advertised name. Facts from the reference implementation.

use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{byte_of, tx_acked, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol};

/// The database name.
pub(crate) const NAME: &str = "xuanhuan";

const REPEAT_INTERVAL: Duration = Duration::from_millis(300);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Xuanhuan { speed: 0 })
}

#[derive(Debug)]
struct Xuanhuan {
    /// The speed last written.
    speed: u8,
}

fn packet(speed: u8) -> HardwareCommand {
    tx_acked([0x03, 0x02, 0x00, speed])
}

impl Protocol for Xuanhuan {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut last = self.speed;
        let writes = write_each(batch, byte_of(&[OutputType::Vibrate]), |_, _, speed| {
            last = speed;
            Ok(packet(speed))
        })?;
        self.speed = last;
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: REPEAT_INTERVAL,
            commands: (self.speed > 0).then(|| packet(self.speed)).into_iter().collect(),
            when: KeepaliveWhen::Always,
        })
    }
}
