//! Sexverse v3: `a1 04 <speed> <motor>` on `tx`, written with response, motors numbered from 1
//! by feature; no handshake, identified by the advertised name. Each feature of a batch is its
//! own write.
//!
//! The firmware stops a motor that hears nothing for a while, so the protocol keeps them
//! running: after 100 ms without writes, the keep-alive repeats the latest packet of every
//! motor that runs (nothing once all are stopped). The reference drives vibrators and rotators
//! this way; the database's Zeus also has an oscillating motor, which takes the same packet.

use std::collections::BTreeMap;
use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol};
use crate::protocols::common::{byte, motor_number, tx_acked, unsupported, write_each};

/// The database name.
pub(crate) const NAME: &str = "sexverse-v3";

const KEEPALIVE_INTERVAL: Duration = Duration::from_millis(100);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(SexverseV3 { running: BTreeMap::new() })
}

#[derive(Debug)]
struct SexverseV3 {
    /// The latest packet of each running motor, by feature.
    running: BTreeMap<u32, [u8; 4]>,
}

impl Protocol for SexverseV3 {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut packets = Vec::with_capacity(batch.len());
        let writes = write_each(batch, byte, |feature, command, speed| {
            if !matches!(
                command.output,
                OutputType::Vibrate | OutputType::Rotate | OutputType::Oscillate
            ) {
                return Err(unsupported(feature, command));
            }
            let motor = motor_number(feature).ok_or_else(|| unsupported(feature, command))?;
            let packet = [0xa1, 0x04, speed, motor];
            packets.push((feature, speed, packet));
            Ok(tx_acked(packet))
        })?;
        for (feature, speed, packet) in packets {
            if speed > 0 {
                self.running.insert(feature, packet);
            } else {
                self.running.remove(&feature);
            }
        }
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: self.running.values().map(|packet| tx_acked(*packet)).collect(),
            when: KeepaliveWhen::Always,
        })
    }
}
