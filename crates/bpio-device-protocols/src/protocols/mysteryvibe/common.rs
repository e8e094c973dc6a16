//! The state machine both MysteryVibe generations share.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol};
use crate::protocols::common::{Levels, byte_of};

/// How often a running device gets its packet again.
const RESEND_INTERVAL: Duration = Duration::from_millis(93);

/// A MysteryVibe device of either generation.
#[derive(Debug)]
pub(crate) struct MysteryVibe {
    init: Vec<HardwareCommand>,
    levels: Levels,
}

impl MysteryVibe {
    /// A device of `protocol` whose init writes `mode` to `txmode`.
    pub(crate) fn new(mode: [u8; 3]) -> Self {
        Self {
            init: Vec::from([HardwareCommand::write_with_response(Endpoint::TxMode, mode)]),
            levels: Levels::default(),
        }
    }

    fn packet(&self) -> HardwareCommand {
        HardwareCommand::write(Endpoint::TxVibrate, self.levels.levels())
    }
}

impl Protocol for MysteryVibe {
    fn init(&self) -> Vec<HardwareCommand> {
        self.init.clone()
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let motors = definition.features.iter().filter(|f| !f.outputs.is_empty()).count();
        self.levels = Levels::first(motors);
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.levels.apply_with(batch, byte_of(&[OutputType::Vibrate]))?;
        Ok(vec![self.packet()])
    }

    fn poll_timer(&self) -> Option<Duration> {
        self.levels.any_running().then_some(RESEND_INTERVAL)
    }

    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        if self.levels.any_running() { vec![self.packet()] } else { Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use bpio_device_config::DeviceConfig;
    use bpio_hardware::{Endpoint, HardwareCommand, Transport};
    use bpio_protocol::v4::OutputType;

    use super::RESEND_INTERVAL;
    use crate::ProtocolDevice;
    use crate::protocol::{DeviceInfo, HwOutput, Step};
    use crate::protocols::mysteryvibe::mysteryvibe::NAME;

    #[test]
    fn the_resend_runs_while_a_motor_runs() {
        let info = DeviceInfo::new("MV Poco     ", Transport::Btle);
        let mut device = ProtocolDevice::new(NAME, &info).unwrap();
        assert_eq!(device.poll_step().unwrap(), Step::Done);
        let config = DeviceConfig::embedded().unwrap();
        let resolved = config.resolve("address", NAME, device.identifier()).unwrap();
        device.configure(resolved.definition).unwrap();
        assert!(matches!(device.poll_step().unwrap(), Step::Command(_)));
        assert_eq!(device.poll_step().unwrap(), Step::Done);
        assert_eq!(device.poll_timer(), None, "idle before any command");

        let run = [(1, HwOutput::new(OutputType::Vibrate, 9))];
        device.handle_outputs(&run).unwrap();
        assert_eq!(device.poll_timer(), Some(RESEND_INTERVAL));
        let packet = HardwareCommand::write(Endpoint::TxVibrate, [0, 9]);
        assert_eq!(device.handle_timer(), std::slice::from_ref(&packet));
        assert_eq!(device.handle_timer(), [packet], "every tick resends");

        let stop = device.stop_outputs(None);
        device.handle_stop(&stop).unwrap();
        assert_eq!(device.poll_timer(), None, "idle once every motor is at 0");
        assert!(device.handle_timer().is_empty());
    }
}
