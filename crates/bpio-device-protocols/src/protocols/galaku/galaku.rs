//! Galaku (BLE): scrambled 12-byte packets on `tx`, battery on `rxblebattery`.
//!
//! Facts from the reference implementation. A packet is `23`, ten payload bytes and the sum of
//! the eleven, scrambled: the first byte stays, and each later byte `i` becomes
//! `((k ^ 0x23 ^ b) + k) mod 256`, where `k` comes from a fixed 4 x 12 table, row = the low two
//! bits of the previous scrambled byte, column = `i`.
//! - One output: payload `5a 00 00 01 31 <speed> 00 00 00 00`.
//! - Two outputs: payload `5a 00 00 01 40 03 <speed 1> <speed 2> 00 00`, with the last speed of
//!   each, so a batch is one write. Vibrate, oscillate, rotate and constrict all set a speed
//!   (the reference has no rotate encoding; its one rotating model gets the same motor speed).
//! - A pump that advertises as `AC695X_1(BLE)` takes plain 16-byte packets instead:
//!   `aa 01 0a 03 <speed> <on> 00 ...` (`on` is 1 unless the speed is 0).
//!
//! Battery `Read`: subscribe to `rxblebattery`, write the scrambled payload
//! `5a 00 00 01 13 00 00 00 00 00` (with response), and the next notification on
//! `rxblebattery` holds the level in its first byte. No handshake, no keep-alive; the
//! identifier is the advertised name.

use std::time::Duration;

use bpio_device_config::{Definition, Feature};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, OutputType, Reading};

use super::common::packet;
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, InputPlan, Protocol};
use crate::protocols::common::{Levels, battery_byte, pushed_battery};

/// The database name.
pub(crate) const NAME: &str = "galaku";

const PUMP_NAME: &str = "AC695X_1(BLE)";
const MOTOR_OUTPUTS: [OutputType; 4] =
    [OutputType::Vibrate, OutputType::Oscillate, OutputType::Rotate, OutputType::Constrict];
const BATTERY_TIMEOUT: Duration = Duration::from_secs(1);

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Galaku { identifier: info.name.to_owned(), speeds: Levels::default() })
}

#[derive(Debug)]
struct Galaku {
    identifier: String,
    speeds: Levels,
}

impl Protocol for Galaku {
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        self.speeds = Levels::of_outputs(definition);
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.speeds.apply(batch, &MOTOR_OUTPUTS)?;
        let first = self.speeds.at(0);
        let data = if self.speeds.len() > 1 {
            packet([0x5a, 0, 0, 1, 0x40, 3, first, self.speeds.at(1), 0, 0])
        } else if self.identifier == PUMP_NAME {
            let mut data = vec![0xaa, 1, 10, 3, first, u8::from(first > 0)];
            data.resize(16, 0);
            data
        } else {
            packet([0x5a, 0, 0, 1, 0x31, first, 0, 0, 0, 0])
        };
        Ok(vec![HardwareCommand::write(Endpoint::Tx, data)])
    }

    fn read(&mut self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        let ask = packet([0x5a, 0, 0, 1, 0x13, 0, 0, 0, 0, 0]);
        let ask = HardwareCommand::write_with_response(Endpoint::Tx, ask);
        pushed_battery(feature, input, Some(ask), BATTERY_TIMEOUT)
    }

    fn parse_reading(
        &mut self,
        _: u32,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        battery_byte(input, endpoint, data)
    }
}

#[cfg(test)]
mod tests {
    use super::packet;

    #[test]
    fn packets_match_the_reference_bytes() {
        // GX21 at 0 and at full speed, from the reference implementation's byte tests.
        assert_eq!(
            packet([0x5a, 0, 0, 1, 0x31, 0, 0, 0, 0, 0]),
            [0x23, 0x81, 0xbb, 0xab, 0xd2, 0xec, 0x3b, 0x23, 0xbb, 0xa3, 0x3b, 0x90]
        );
        assert_eq!(
            packet([0x5a, 0, 0, 1, 0x31, 100, 0, 0, 0, 0]),
            [0x23, 0x81, 0xbb, 0xab, 0xd2, 0xec, 0x57, 0x23, 0xbb, 0xa3, 0x3b, 0x44]
        );
    }
}
