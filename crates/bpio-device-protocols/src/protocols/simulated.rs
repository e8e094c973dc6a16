//! The `simulated` protocol: devices with no hardware behind them (format-5 `simulated`
//! configurations), as emulated by `bpio_hardware::sim`. The byte format is the project's own.
//!
//! Outputs: one write on `tx` per batch holding a 10-byte record per feature:
//! `[feature u8][type u8][value i32 LE][duration u32 LE]`, type codes 1 Vibrate, 2 Rotate,
//! 3 Oscillate, 4 Constrict, 5 Temperature, 6 Led, 7 Spray, 8 Position, 9
//! HwPositionWithDuration (duration 0 for the others).
//!
//! Inputs live on the standard sensor endpoints: `rxpressure` (u32 LE), `rxtouch` (one byte, 1 =
//! pressed) and `rxblebattery` (one byte, percent). `Read` reads the endpoint, `Subscribe`
//! subscribes to it, and each notification is one value. No handshake, no keep-alive.

use std::time::Duration;

use bpio_device_config::Feature;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, OutputType, Reading, ReadingValue};

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, InputPlan, Protocol, ReplyWait};

/// The database name.
pub(crate) const NAME: &str = "simulated";

/// Length of one output record.
pub(crate) const RECORD_LEN: usize = 10;

const READ_TIMEOUT: Duration = Duration::from_secs(1);

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Simulated)
}

/// The wire code of an output type.
pub(crate) const fn output_code(output: OutputType) -> u8 {
    match output {
        OutputType::Vibrate => 1,
        OutputType::Rotate => 2,
        OutputType::Oscillate => 3,
        OutputType::Constrict => 4,
        OutputType::Temperature => 5,
        OutputType::Led => 6,
        OutputType::Spray => 7,
        OutputType::Position => 8,
        OutputType::HwPositionWithDuration => 9,
    }
}

/// The endpoint carrying an input type, `None` for inputs the format lacks (RSSI).
pub(crate) const fn input_endpoint(input: InputType) -> Option<Endpoint> {
    match input {
        InputType::Pressure => Some(Endpoint::RxPressure),
        InputType::Button => Some(Endpoint::RxTouch),
        InputType::Battery => Some(Endpoint::RxBleBattery),
        InputType::Rssi => None,
    }
}

#[derive(Debug)]
struct Simulated;

impl Simulated {
    fn endpoint(feature: &Feature, input: InputType) -> Result<Endpoint, ProtocolError> {
        input_endpoint(input)
            .ok_or(ProtocolError::UnsupportedInput { feature: feature.index, input })
    }
}

impl Protocol for Simulated {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut data = Vec::with_capacity(batch.len().saturating_mul(RECORD_LEN));
        for (feature, command) in batch {
            let index =
                u8::try_from(*feature).map_err(|_| ProtocolError::UnknownFeature(*feature))?;
            data.push(index);
            data.push(output_code(command.output));
            data.extend_from_slice(&command.value.to_le_bytes());
            data.extend_from_slice(&command.duration.unwrap_or(0).to_le_bytes());
        }
        if data.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![HardwareCommand::write(Endpoint::Tx, data)])
    }

    fn read(&mut self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        let endpoint = Self::endpoint(feature, input)?;
        let length = if input == InputType::Pressure { 4 } else { 1 };
        Ok(InputPlan {
            commands: vec![HardwareCommand::read(endpoint, length, READ_TIMEOUT)],
            reply: Some(ReplyWait::ReadResult),
        })
    }

    fn subscribe(
        &mut self,
        feature: &Feature,
        input: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        Ok(vec![HardwareCommand::subscribe(Self::endpoint(feature, input)?)])
    }

    fn unsubscribe(
        &mut self,
        feature: &Feature,
        input: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        Ok(vec![HardwareCommand::unsubscribe(Self::endpoint(feature, input)?)])
    }

    fn parse_reading(
        &mut self,
        _: u32,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        if input_endpoint(input) != Some(endpoint) {
            return None;
        }
        match (input, data) {
            (InputType::Pressure, [a, b, c, d]) => Some(Reading::Pressure(ReadingValue {
                value: u32::from_le_bytes([*a, *b, *c, *d]),
            })),
            (InputType::Button, [state @ (0 | 1)]) => {
                Some(Reading::Button(ReadingValue { value: *state }))
            }
            (InputType::Battery, [level]) if *level <= 100 => {
                Some(Reading::Battery(ReadingValue { value: *level }))
            }
            _ => None,
        }
    }
}
