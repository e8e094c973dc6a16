//! Youou (Wand Vibrator; BLE): one 17-byte packet on `tx` per command, written without
//! response: `aa 55 <counter> 02 03 01 <speed> <running> <check> ff` and seven zeros.
//! `counter` numbers the packets from 0 (wrapping after ff), `running` is 1 while the speed is
//! above 0, and `check` is the XOR of the eight bytes before it. Every device has the identifier
//! `VX001_`, whatever it advertises. No handshake, no inputs. Facts from the reference
//! implementation.

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{byte_of, tx, write_each};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, Protocol};

/// The database name.
pub(crate) const NAME: &str = "youou";

const IDENTIFIER: &str = "VX001_";
const PACKET_LENGTH: usize = 17;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Youou { counter: 0 })
}

#[derive(Debug)]
struct Youou {
    /// The number of the next packet.
    counter: u8,
}

impl Youou {
    fn packet(&mut self, speed: u8) -> HardwareCommand {
        let head = [0xaa, 0x55, self.counter, 0x02, 0x03, 0x01, speed, u8::from(speed > 0)];
        self.counter = self.counter.wrapping_add(1);
        let check = head.iter().fold(0, |check, byte| check ^ byte);
        let mut packet = Vec::with_capacity(PACKET_LENGTH);
        packet.extend(head);
        packet.extend([check, 0xff]);
        packet.resize(PACKET_LENGTH, 0);
        tx(packet)
    }
}

impl Protocol for Youou {
    fn identifier(&self) -> Identifier<'_> {
        Identifier::Found(IDENTIFIER)
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, byte_of(&[OutputType::Vibrate]), |_, _, speed| Ok(self.packet(speed)))
    }
}

#[cfg(test)]
mod tests {
    use bpio_hardware::HardwareCommand;

    use super::Youou;

    fn counter_of(command: &HardwareCommand) -> Option<u8> {
        match command {
            HardwareCommand::Write { data, .. } => data.get(2).copied(),
            _ => None,
        }
    }

    #[test]
    fn the_packet_counter_wraps_after_ff() {
        let mut youou = Youou { counter: 0xff };
        assert_eq!(counter_of(&youou.packet(1)), Some(0xff));
        assert_eq!(counter_of(&youou.packet(1)), Some(0x00));
    }
}
