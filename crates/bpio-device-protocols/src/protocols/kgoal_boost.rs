//! KGoal Boost (BLE): a pelvic-floor trainer with a pressure sensor and no outputs.
//!
//! Facts from the reference implementation. The sensor notifies on `rxpressure`: seven bytes,
//! `00 01 04`, then the normalized pressure and the raw pressure, each a big-endian `u16`.
//! Feature 0 is the normalized pressure, feature 1 the raw one; the characteristic is
//! subscribed while either is. A pressure is reported only when it differs from the same
//! pressure in the previous notification, counting from 0 when the characteristic subscription
//! starts, and a pressure nobody subscribed to follows along silently. The battery is read from
//! the standard characteristic. No handshake; identified by the advertised name.

use bpio_device_config::Feature;
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, Reading, ReadingValue};

use super::common::{BatteryRead, unsupported};
use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, InputPlan, Protocol};

/// The database name.
pub(crate) const NAME: &str = "kgoal-boost";

/// How many pressures a notification carries, one per feature from 0.
const PRESSURES: usize = 2;

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(KGoalBoost { subscribed: [false; PRESSURES], last: [0; PRESSURES] })
}

#[derive(Debug)]
struct KGoalBoost {
    /// Which pressures are subscribed, by feature.
    subscribed: [bool; PRESSURES],
    /// Each pressure in the latest notification, by feature.
    last: [u32; PRESSURES],
}

/// The pressure slot of `feature`, if it is a pressure feature.
fn pressure_slot(feature: u32, input: InputType) -> Option<usize> {
    let slot = usize::try_from(feature).ok().filter(|slot| *slot < PRESSURES);
    slot.filter(|_| input == InputType::Pressure)
}

/// Both pressures of a notification, in feature order.
fn pressures(data: &[u8]) -> Option<[u32; PRESSURES]> {
    let [_, _, _, normalized_high, normalized_low, raw_high, raw_low, ..] = *data else {
        return None;
    };
    let value = |high, low| u32::from(u16::from_be_bytes([high, low]));
    Some([value(normalized_high, normalized_low), value(raw_high, raw_low)])
}

impl Protocol for KGoalBoost {
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        match batch.first() {
            Some((feature, command)) => Err(unsupported(*feature, command)),
            None => Ok(Vec::new()),
        }
    }

    fn read(&mut self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        BatteryRead::BLE.plan(feature, input)
    }

    fn subscribe(
        &mut self,
        feature: &Feature,
        input: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let slot = pressure_slot(feature.index, input)
            .ok_or(ProtocolError::UnsupportedInput { feature: feature.index, input })?;
        let first = !self.subscribed.contains(&true);
        if let Some(subscribed) = self.subscribed.get_mut(slot) {
            *subscribed = true;
        }
        if !first {
            return Ok(Vec::new());
        }
        self.last = [0; PRESSURES];
        Ok(vec![HardwareCommand::subscribe(Endpoint::RxPressure)])
    }

    fn unsubscribe(
        &mut self,
        feature: &Feature,
        input: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let Some(subscribed) =
            pressure_slot(feature.index, input).and_then(|slot| self.subscribed.get_mut(slot))
        else {
            return Ok(Vec::new());
        };
        let was = std::mem::replace(subscribed, false);
        if was && !self.subscribed.contains(&true) {
            return Ok(vec![HardwareCommand::unsubscribe(Endpoint::RxPressure)]);
        }
        Ok(Vec::new())
    }

    fn parse_reading(
        &mut self,
        feature: u32,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        if input == InputType::Battery {
            return BatteryRead::BLE.parse(input, endpoint, data);
        }
        let slot = pressure_slot(feature, input).filter(|_| endpoint == Endpoint::RxPressure)?;
        let values = pressures(data)?;
        let mut changed = None;
        for (index, ((last, value), subscribed)) in
            self.last.iter_mut().zip(values).zip(self.subscribed).enumerate()
        {
            if index == slot {
                changed = (*last != value).then_some(value);
                *last = value;
            } else if !subscribed {
                *last = value;
            }
        }
        changed.map(|value| Reading::Pressure(ReadingValue { value }))
    }
}
