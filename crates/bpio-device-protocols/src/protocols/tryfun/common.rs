//! What the TryFun protocols share: the counted packets of the Black Hole and the Meta 2.

use bpio_hardware::HardwareCommand;

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol};
use crate::protocols::common::tx;

/// Makes the body of one command's packet; refuses what the firmware cannot do.
pub(crate) type BodyFn<const N: usize> = fn(u32, &HwOutput) -> Result<[u8; N], ProtocolError>;

/// Firmware that takes one packet per command, `<n> <body> <check>` on `tx` without response:
/// `<n>` counts the packets from 0 (wrapping at 256), and the check is `ff` minus the bytes of
/// the body, plus the number of bytes before the check, modulo 256.
#[derive(Debug)]
pub(crate) struct CountedPackets<const N: usize> {
    /// The number of the next packet.
    next: u8,
    body: BodyFn<N>,
}

impl<const N: usize> CountedPackets<N> {
    /// The protocol whose packets carry the bodies `body` makes.
    pub(crate) fn create(body: BodyFn<N>) -> Box<Self> {
        Box::new(Self { next: 0, body })
    }

    fn packet(&mut self, body: [u8; N]) -> HardwareCommand {
        // The counter byte and the body; N is a small packet length.
        let counted = u8::try_from(N + 1).unwrap_or(u8::MAX);
        let check = body.iter().fold(0xff_u8, |check, byte| check.wrapping_sub(*byte));
        let mut data = vec![self.next];
        data.extend(body);
        data.push(check.wrapping_add(counted));
        self.next = self.next.wrapping_add(1);
        tx(data)
    }
}

impl<const N: usize> Protocol for CountedPackets<N> {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        // Every body first: a refused batch must not advance the counter.
        let bodies = batch
            .iter()
            .map(|(feature, command)| (self.body)(*feature, command))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(bodies.into_iter().map(|body| self.packet(body)).collect())
    }
}

#[cfg(test)]
mod tests {
    use bpio_protocol::v4::OutputType;

    use super::CountedPackets;
    use crate::error::ProtocolError;
    use crate::protocol::{HwOutput, Protocol};
    use crate::protocols::common::{byte, tx, unsupported};

    fn body(feature: u32, command: &HwOutput) -> Result<[u8; 2], ProtocolError> {
        match command.output {
            OutputType::Vibrate => Ok([0x09, byte(feature, command)?]),
            _ => Err(unsupported(feature, command)),
        }
    }

    #[test]
    fn the_counter_wraps_and_a_refused_batch_does_not_count() {
        let mut packets = CountedPackets { next: 0xff, body };
        let vibrate = HwOutput::new(OutputType::Vibrate, 10);
        let rotate = HwOutput::new(OutputType::Rotate, 1);
        let refused = packets.encode(&[(0, vibrate), (1, rotate)], false);
        assert_eq!(refused, Err(unsupported(1, &rotate)));
        let writes = packets.encode(&[(0, vibrate), (1, vibrate)], false);
        let expected = [tx([0xff, 0x09, 0x0a, 0xef]), tx([0x00, 0x09, 0x0a, 0xef])];
        assert_eq!(writes, Ok(expected.to_vec()));
    }
}
