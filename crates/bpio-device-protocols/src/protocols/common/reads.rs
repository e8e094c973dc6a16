//! Reads of a device's characteristics: the model for identification ([`ModelRead`]) and the
//! battery level, read ([`BatteryRead`]) or pushed as a notification ([`pushed_battery`]).

use std::time::Duration;

use bpio_device_config::Feature;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, Reading, ReadingValue};

use crate::error::ProtocolError;
use crate::protocol::{InputPlan, ReplyWait, Step};

/// How long a battery read may take.
const READ_TIMEOUT: Duration = Duration::from_secs(1);

/// Identification by one read of the model characteristic (`rxblemodel`): the identifier is
/// what the protocol makes of the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ModelRead {
    /// The read is still to be made.
    Ask,
    /// The read is out; its bytes come next.
    Asked,
    /// Identified.
    Known(String),
}

impl ModelRead {
    const TIMEOUT: Duration = Duration::from_millis(500);

    /// The identification step, `None` once identified.
    pub(crate) fn poll(
        &mut self,
        protocol: &'static str,
        length: u32,
    ) -> Result<Option<Step>, ProtocolError> {
        match self {
            Self::Ask => {
                *self = Self::Asked;
                let read = HardwareCommand::read(Endpoint::RxBleModel, length, Self::TIMEOUT);
                Ok(Some(Step::Command(read)))
            }
            Self::Asked => Err(ProtocolError::BadReply { protocol, reason: "no model read" }),
            Self::Known(_) => Ok(None),
        }
    }

    /// The bytes of the read.
    pub(crate) fn handle(
        &mut self,
        protocol: &'static str,
        endpoint: Endpoint,
        data: &[u8],
        parse: fn(&[u8]) -> String,
    ) {
        if *self == Self::Asked && endpoint == Endpoint::RxBleModel {
            let identifier = parse(data);
            tracing::debug!(protocol, identifier = %identifier, "identified");
            *self = Self::Known(identifier);
        }
    }

    /// The identifier, once known.
    pub(crate) fn identifier(&self) -> Option<&str> {
        match self {
            Self::Known(identifier) => Some(identifier),
            Self::Ask | Self::Asked => None,
        }
    }
}

/// A battery level read from a characteristic: `length` bytes from `endpoint`, the percentage at
/// byte `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatteryRead {
    /// Where to read.
    pub endpoint: Endpoint,
    /// How many bytes the answer has.
    pub length: u8,
    /// Which of them is the percentage.
    pub at: usize,
}

impl BatteryRead {
    /// The standard Bluetooth battery level characteristic: one byte.
    pub const BLE: Self = Self { endpoint: Endpoint::RxBleBattery, length: 1, at: 0 };

    /// The plan of a `Read`; only batteries can be read.
    pub fn plan(&self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        if input != InputType::Battery {
            return Err(ProtocolError::UnsupportedInput { feature: feature.index, input });
        }
        Ok(InputPlan {
            commands: vec![HardwareCommand::read(self.endpoint, self.length.into(), READ_TIMEOUT)],
            reply: Some(ReplyWait::ReadResult),
        })
    }

    /// The reading in an answer of the expected length with a percentage of at most 100.
    pub fn parse(&self, input: InputType, endpoint: Endpoint, data: &[u8]) -> Option<Reading> {
        if input != InputType::Battery
            || endpoint != self.endpoint
            || data.len() != usize::from(self.length)
        {
            return None;
        }
        let value = *data.get(self.at)?;
        (value <= 100).then_some(Reading::Battery(ReadingValue { value }))
    }
}

/// A battery level in the first byte of a value from `rxblebattery`.
pub(crate) fn battery_byte(input: InputType, endpoint: Endpoint, data: &[u8]) -> Option<Reading> {
    if input != InputType::Battery || endpoint != Endpoint::RxBleBattery {
        return None;
    }
    let level = *data.first()?;
    (level <= 100).then_some(Reading::Battery(ReadingValue { value: level }))
}

/// The plan of a battery `Read` that the device answers with a notification on `rxblebattery`:
/// subscribe there, then `ask` (the write that makes the device report, if it needs one).
pub(crate) fn pushed_battery(
    feature: &Feature,
    input: InputType,
    ask: Option<HardwareCommand>,
    timeout: Duration,
) -> Result<InputPlan, ProtocolError> {
    if input != InputType::Battery {
        return Err(ProtocolError::UnsupportedInput { feature: feature.index, input });
    }
    let mut commands = vec![HardwareCommand::subscribe(Endpoint::RxBleBattery)];
    commands.extend(ask);
    let reply = ReplyWait::Notification { endpoint: Endpoint::RxBleBattery, timeout };
    Ok(InputPlan { commands, reply: Some(reply) })
}

#[cfg(test)]
mod tests {
    use bpio_hardware::Endpoint;
    use bpio_protocol::v4::{InputType, Reading, ReadingValue};

    use super::BatteryRead;

    #[test]
    fn a_battery_answer_must_fit() {
        let ble = BatteryRead::BLE;
        let battery = |value| Some(Reading::Battery(ReadingValue { value }));
        assert_eq!(ble.parse(InputType::Battery, Endpoint::RxBleBattery, &[100]), battery(100));
        assert_eq!(ble.parse(InputType::Battery, Endpoint::RxBleBattery, &[101]), None);
        assert_eq!(ble.parse(InputType::Battery, Endpoint::RxBleBattery, &[]), None);
        assert_eq!(ble.parse(InputType::Battery, Endpoint::RxBleBattery, &[1, 2]), None);
        assert_eq!(ble.parse(InputType::Battery, Endpoint::Rx, &[50]), None);
        assert_eq!(ble.parse(InputType::Pressure, Endpoint::RxBleBattery, &[50]), None);
    }
}
