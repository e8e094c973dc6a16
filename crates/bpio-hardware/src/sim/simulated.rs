//! Firmware of the `simulated` protocol's devices, including the sensor device.
//!
//! Outputs arrive on `tx` as 10-byte records `[feature][type][value i32 LE][duration u32 LE]`;
//! pressure is on `rxpressure` (u32 LE), the button on `rxtouch` (one byte), the battery on
//! `rxblebattery` (one byte). The format is the project's own, shared with the `simulated`
//! protocol in `bpio-device-protocols`.

use std::collections::BTreeMap;

use super::{Firmware, Notifications, SimDevice, SimIdentity};
use crate::{AdvertisementBuf, Endpoint, HwError};

const RECORD_LEN: usize = 10;

/// The last output a feature received: type code, value, duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputState {
    /// Output type code (1 Vibrate ... 9 HwPositionWithDuration).
    pub code: u8,
    /// Hardware value.
    pub value: i32,
    /// Duration in ms (0 when not a movement).
    pub duration_ms: u32,
}

/// A simulated device's firmware: outputs per feature, and sensors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedFirmware {
    outputs: BTreeMap<u8, OutputState>,
    pressure: u32,
    button: bool,
    battery: u8,
    malformed_writes: usize,
}

impl Default for SimulatedFirmware {
    fn default() -> Self {
        Self {
            outputs: BTreeMap::new(),
            pressure: 0,
            button: false,
            battery: 90,
            malformed_writes: 0,
        }
    }
}

impl SimulatedFirmware {
    /// The last output of `feature`.
    pub fn output(&self, feature: u8) -> Option<OutputState> {
        self.outputs.get(&feature).copied()
    }

    /// Writes whose length was not a whole number of records (ignored by the firmware).
    pub fn malformed_writes(&self) -> usize {
        self.malformed_writes
    }

    /// A new pressure value; notifies subscribers.
    pub fn set_pressure(&mut self, value: u32) -> Notifications {
        self.pressure = value;
        vec![(Endpoint::RxPressure, value.to_le_bytes().to_vec())]
    }

    /// The button is pressed or released; notifies subscribers.
    pub fn set_button(&mut self, pressed: bool) -> Notifications {
        self.button = pressed;
        vec![(Endpoint::RxTouch, vec![u8::from(pressed)])]
    }

    /// Sets the charge level.
    pub fn set_battery(&mut self, percent: u8) {
        self.battery = percent;
    }
}

impl Firmware for SimulatedFirmware {
    fn handle_write(&mut self, endpoint: Endpoint, data: &[u8]) -> Notifications {
        if endpoint != Endpoint::Tx || data.is_empty() || !data.len().is_multiple_of(RECORD_LEN) {
            self.malformed_writes = self.malformed_writes.saturating_add(1);
            return Vec::new();
        }
        for record in data.chunks_exact(RECORD_LEN) {
            if let [feature, code, v0, v1, v2, v3, d0, d1, d2, d3] = *record {
                self.outputs.insert(
                    feature,
                    OutputState {
                        code,
                        value: i32::from_le_bytes([v0, v1, v2, v3]),
                        duration_ms: u32::from_le_bytes([d0, d1, d2, d3]),
                    },
                );
            }
        }
        Vec::new()
    }

    fn handle_read(&mut self, endpoint: Endpoint, _length: u32) -> Result<Vec<u8>, HwError> {
        match endpoint {
            Endpoint::RxPressure => Ok(self.pressure.to_le_bytes().to_vec()),
            Endpoint::RxTouch => Ok(vec![u8::from(self.button)]),
            Endpoint::RxBleBattery => Ok(vec![self.battery]),
            other => Err(HwError::NoEndpoint(other)),
        }
    }
}

/// A device of the `simulated` protocol named by `identifier` (e.g. `simulated-2vibe`).
pub fn simulated(identifier: &str, address: &str) -> SimDevice<SimulatedFirmware> {
    SimDevice {
        identity: SimIdentity {
            name: identifier.to_owned(),
            address: address.to_owned(),
            advertisement: AdvertisementBuf::Simulated { identifier: identifier.to_owned() },
            gatt: BTreeMap::new(),
            fixed_endpoints: vec![
                Endpoint::Tx,
                Endpoint::RxPressure,
                Endpoint::RxTouch,
                Endpoint::RxBleBattery,
            ],
            stream: false,
        },
        firmware: SimulatedFirmware::default(),
    }
}

/// The sensor device: pressure and button inputs that support subscribe, a battery and a
/// motor. Its definition (`simulated-sensor`) comes from a user config, see
/// `crates/bpio-device-protocols/test_data/simulated/sensor-user-config.json`.
pub fn sensor(address: &str) -> SimDevice<SimulatedFirmware> {
    simulated("simulated-sensor", address)
}
