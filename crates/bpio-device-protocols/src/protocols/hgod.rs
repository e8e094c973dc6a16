//! Hgod (BLE): `55 04 00 00 00 <speed>` on `tx`, without response. The firmware runs only
//! while packets keep coming: the reference sends the packet every 100 ms while the speed is
//! above 0 and nothing at 0, so a stop is the end of the packets. Here a command sends its
//! packet at once and the protocol's timer repeats it every 100 ms while running. No
//! handshake, no inputs. Facts from the reference implementation.

use std::time::Duration;

use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use super::common::{Levels, byte_of, tx};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};

/// The database name.
pub(crate) const NAME: &str = "hgod";

/// How often a running device gets its packet again.
const RESEND_INTERVAL: Duration = Duration::from_millis(100);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Hgod { speed: Levels::first(1) })
}

#[derive(Debug)]
struct Hgod {
    speed: Levels,
}

impl Hgod {
    /// The packet of the current speed; none at 0.
    fn packet(&self) -> Vec<HardwareCommand> {
        match self.speed.at(0) {
            0 => Vec::new(),
            speed => vec![tx([0x55, 0x04, 0x00, 0x00, 0x00, speed])],
        }
    }
}

impl Protocol for Hgod {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.speed.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
        Ok(self.packet())
    }

    fn poll_timer(&self) -> Option<Duration> {
        self.speed.any_running().then_some(RESEND_INTERVAL)
    }

    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        self.packet()
    }
}

#[cfg(test)]
mod tests {
    use bpio_hardware::Transport;
    use bpio_protocol::v4::OutputType;

    use super::{RESEND_INTERVAL, create};
    use crate::protocol::{DeviceInfo, HwOutput};
    use crate::protocols::common::tx;

    #[test]
    fn the_resend_runs_while_the_motor_runs() {
        let mut device = create(&DeviceInfo::new("AMN NEO", Transport::Btle));
        assert_eq!(device.poll_timer(), None, "idle before any command");
        let run = [(0, HwOutput::new(OutputType::Vibrate, 7))];
        let packet = tx([0x55, 0x04, 0x00, 0x00, 0x00, 0x07]);
        assert_eq!(device.encode(&run, false).unwrap(), std::slice::from_ref(&packet));
        assert_eq!(device.poll_timer(), Some(RESEND_INTERVAL));
        assert_eq!(device.handle_timer(), [packet]);

        let stop = [(0, HwOutput::new(OutputType::Vibrate, 0))];
        assert!(device.encode(&stop, true).unwrap().is_empty(), "a stop is silence");
        assert_eq!(device.poll_timer(), None);
        assert!(device.handle_timer().is_empty(), "a tick already due sends nothing");
    }
}
