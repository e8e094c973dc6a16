//! The state machine of the Lelo firmware: the pairing handshake, then motor levels.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Protocol, Step};
use crate::protocols::common::{Levels, magnitude, unsupported, write_each};

const WAIT: Duration = Duration::from_secs(10);
/// Silent waits before the handshake gives up.
const MAX_SILENCES: u8 = 6;

/// How the firmware takes motor levels after the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Firmware {
    /// One packet per motor.
    Harmony,
    /// Both motors in one packet (Lelo F1s).
    F1s,
}

/// The protocol `protocol`, shaking hands on `endpoint`, for `firmware`.
pub(crate) fn create_with(
    protocol: &'static str,
    endpoint: Endpoint,
    firmware: Firmware,
) -> Box<dyn Protocol> {
    Box::new(LeloHarmony {
        protocol,
        endpoint,
        firmware,
        stage: Stage::Identified,
        motors: F1sMotors::new(),
    })
}

/// The two motors of the F1s firmware, which takes both in every packet: `[01 <motor 0> <motor 1>]`
/// on `tx`.
#[derive(Debug)]
pub(crate) struct F1sMotors(Levels);

impl F1sMotors {
    /// Both motors at rest.
    pub(crate) fn new() -> Self {
        Self(Levels::new(0..2))
    }

    /// The packet once `batch` is applied; a refused batch changes nothing.
    pub(crate) fn packet(&mut self, batch: &[(u32, HwOutput)]) -> Result<Vec<u8>, ProtocolError> {
        self.0.apply(batch, &[OutputType::Vibrate])?;
        let mut data = vec![0x01];
        data.extend(self.0.levels());
        Ok(data)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    Identified,
    Subscribe,
    Wait { silences: u8 },
    Unsubscribe(Vec<u8>),
    SendPassword(Vec<u8>),
    Running,
}

#[derive(Debug)]
struct LeloHarmony {
    protocol: &'static str,
    /// Where the handshake happens.
    endpoint: Endpoint,
    firmware: Firmware,
    stage: Stage,
    /// The last level of each motor (F1s firmware).
    motors: F1sMotors,
}

impl Protocol for LeloHarmony {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        let command = match std::mem::replace(&mut self.stage, Stage::Running) {
            Stage::Identified => {
                self.stage = Stage::Identified;
                return Ok(Step::Done);
            }
            Stage::Running => return Ok(Step::Done),
            Stage::Subscribe => {
                self.stage = Stage::Wait { silences: 0 };
                HardwareCommand::subscribe(self.endpoint)
            }
            Stage::Wait { silences } => {
                self.stage = Stage::Wait { silences };
                return Ok(Step::Await { endpoint: self.endpoint, timeout: WAIT });
            }
            Stage::Unsubscribe(password) => {
                self.stage = Stage::SendPassword(password);
                HardwareCommand::unsubscribe(self.endpoint)
            }
            Stage::SendPassword(password) => {
                self.stage = Stage::Subscribe;
                HardwareCommand::write_with_response(self.endpoint, password)
            }
        };
        Ok(Step::Command(command))
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        if !matches!(self.stage, Stage::Wait { .. }) || endpoint != self.endpoint {
            return Ok(());
        }
        match data {
            _ if data.iter().all(|byte| *byte == 0) => {
                tracing::info!(
                    protocol = self.protocol,
                    "not authorised: tap the toy's power button"
                );
            }
            [1, rest @ ..] if rest.iter().all(|byte| *byte == 0) => {
                tracing::debug!(protocol = self.protocol, "authorised");
                self.stage = Stage::Running;
            }
            password => self.stage = Stage::Unsubscribe(password.to_vec()),
        }
        Ok(())
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        if let Stage::Wait { silences } = self.stage {
            if silences.saturating_add(1) >= MAX_SILENCES {
                return Err(ProtocolError::Timeout { protocol: self.protocol });
            }
            self.stage = Stage::Wait { silences: silences + 1 };
        }
        Ok(())
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.stage = Stage::Subscribe;
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        if self.firmware == Firmware::F1s {
            let data = self.motors.packet(batch)?;
            return Ok(vec![HardwareCommand::write_with_response(Endpoint::Tx, data)]);
        }
        write_each(batch, magnitude, |feature, command, speed| {
            if !matches!(command.output, OutputType::Vibrate | OutputType::Rotate) {
                return Err(unsupported(feature, command));
            }
            let motor = u8::try_from(feature.saturating_add(1))
                .map_err(|_| ProtocolError::UnknownFeature(feature))?;
            let data = [0x0a, 0x12, motor, 0x08, 0, 0, 0, 0, speed, 0];
            Ok(vec![HardwareCommand::write(Endpoint::Tx, data)])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::lelo::harmony::NAME;

    #[test]
    fn the_handshake_gives_up_after_a_minute_of_silence() {
        let mut device = LeloHarmony {
            protocol: NAME,
            endpoint: Endpoint::Whitelist,
            firmware: Firmware::Harmony,
            stage: Stage::Subscribe,
            motors: F1sMotors::new(),
        };
        assert!(matches!(device.poll_step(), Ok(Step::Command(_))));
        for _ in 1..MAX_SILENCES {
            assert!(matches!(device.poll_step(), Ok(Step::Await { .. })));
            device.handle_step_timeout().unwrap();
        }
        assert_eq!(device.handle_step_timeout(), Err(ProtocolError::Timeout { protocol: NAME }));
    }
}
