//! Sexverse v3: `a1 04 <speed> <motor>` on `tx`, written with response, motors numbered from 1
//! by feature; no handshake, identified by the advertised name. Each feature of a batch is its
//! own write.
//!
//! The firmware wants steady traffic: after 100 ms without writes, the keep-alive repeats the
//! last packet written, stops included, as the reference does. Before any command that is the
//! stop of the last motor, which the reference writes when the device connects; so the resting
//! device hears `a1 04 00 <last motor>` from the start. The reference drives vibrators and
//! rotators this way; the database's Zeus also has an oscillating motor, which takes the same
//! packet.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol};
use crate::protocols::common::{byte, motor_number, tx_acked, unsupported, write_each};

/// The database name.
pub(crate) const NAME: &str = "sexverse-v3";

const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(100);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(SexverseV3 { last: None })
}

#[derive(Debug)]
struct SexverseV3 {
    /// The packet the keep-alive repeats.
    last: Option<[u8; 4]>,
}

impl Protocol for SexverseV3 {
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let last_motor = definition.features.iter().rfind(|f| !f.outputs.is_empty());
        self.last = last_motor.and_then(|f| motor_number(f.index)).map(|m| [0xa1, 0x04, 0x00, m]);
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut last = None;
        let writes = write_each(batch, byte, |feature, command, speed| {
            if !matches!(
                command.output,
                OutputType::Vibrate | OutputType::Rotate | OutputType::Oscillate
            ) {
                return Err(unsupported(feature, command));
            }
            let motor = motor_number(feature).ok_or_else(|| unsupported(feature, command))?;
            let packet = [0xa1, 0x04, speed, motor];
            last = Some(packet);
            Ok(tx_acked(packet))
        })?;
        self.last = last.or(self.last);
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: self.last.iter().map(|packet| tx_acked(*packet)).collect(),
            when: KeepaliveWhen::Always,
        })
    }
}
