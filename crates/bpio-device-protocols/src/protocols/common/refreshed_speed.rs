//! The whole protocol of single-motor firmware that lets its motor stop when it hears nothing
//! for a while ([`RefreshedSpeed`]).

use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::{byte_of, write_each};
use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Keepalive, KeepaliveWhen, Protocol};

/// A protocol for firmware with one vibrator, taking its speed in one packet per command, whose
/// motor stops unless it keeps hearing the speed: whatever the backend, the packet of the running
/// speed is the keep-alive after `interval` without writes. At speed 0 nothing is repeated, as a
/// stopped motor stays stopped. No handshake, no inputs, identified by the advertised name.
#[derive(Debug)]
pub(crate) struct RefreshedSpeed {
    /// The packet setting a speed.
    packet: fn(u8) -> HardwareCommand,
    /// Silence after which the running speed is sent again.
    interval: Duration,
    /// The speed last written.
    speed: u8,
}

impl RefreshedSpeed {
    /// The protocol writing `packet` for each speed, repeated after `interval` while running.
    pub(crate) fn create(packet: fn(u8) -> HardwareCommand, interval: Duration) -> Box<Self> {
        Box::new(Self { packet, interval, speed: 0 })
    }
}

impl Protocol for RefreshedSpeed {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        // The speed changes only once the whole batch is encoded.
        let mut last = self.speed;
        let writes = write_each(batch, byte_of(&[OutputType::Vibrate]), |_, _, speed| {
            last = speed;
            Ok((self.packet)(speed))
        })?;
        self.speed = last;
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        let running = (self.speed > 0).then(|| (self.packet)(self.speed));
        Some(Keepalive {
            interval: self.interval,
            commands: running.into_iter().collect(),
            when: KeepaliveWhen::Always,
        })
    }
}
