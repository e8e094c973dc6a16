//! Lovense firmware: `;`-terminated ASCII commands on `tx`, answers on `rx`.

use super::{Firmware, Notifications, SimDevice, ble_identity};
use crate::Endpoint;

/// The firmware of a Lovense toy: motors, rotation with direction, air pump, battery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LovenseFirmware {
    model: &'static str,
    version: u32,
    battery: u8,
    motors: Vec<u32>,
    rotator: bool,
    rotation: u32,
    clockwise: bool,
}

impl LovenseFirmware {
    /// A toy answering `DeviceType;` with `model` and `version`, with `motors` vibration
    /// motors and, if `rotator`, a rotating head.
    pub fn new(model: &'static str, version: u32, motors: usize, rotator: bool) -> Self {
        Self {
            model,
            version,
            battery: 85,
            motors: vec![0; motors],
            rotator,
            rotation: 0,
            clockwise: true,
        }
    }

    /// The speed of each vibration motor.
    pub fn motors(&self) -> &[u32] {
        &self.motors
    }

    /// Rotation speed, positive clockwise.
    pub fn rotation(&self) -> i64 {
        let speed = i64::from(self.rotation);
        if self.clockwise { speed } else { -speed }
    }

    /// Sets the charge level the toy reports.
    pub fn set_battery(&mut self, percent: u8) {
        self.battery = percent;
    }

    /// Runs one command (without its `;`); `None` means the firmware does not know it.
    fn run(&mut self, command: &str) -> Option<String> {
        let number = |text: &str| text.parse::<u32>().ok().filter(|value| *value <= 20);
        let ok = Some("OK;".to_owned());
        match command.split(':').collect::<Vec<_>>().as_slice() {
            ["DeviceType"] => Some(format!("{}:{}:0082059AD3BD;", self.model, self.version)),
            ["Battery"] => Some(format!("{};", self.battery)),
            ["Vibrate", level] => {
                let level = number(level)?;
                self.motors.iter_mut().for_each(|motor| *motor = level);
                ok
            }
            ["RotateChange"] if self.rotator => {
                self.clockwise = !self.clockwise;
                ok
            }
            ["Rotate", level] if self.rotator => {
                self.rotation = number(level)?;
                ok
            }
            ["Mply", levels @ ..] if levels.len() == self.motors.len() => {
                let levels: Option<Vec<u32>> = levels.iter().map(|text| number(text)).collect();
                self.motors = levels?;
                ok
            }
            [name, level] => {
                let motor: usize = name.strip_prefix("Vibrate")?.parse().ok()?;
                let level = number(level)?;
                *self.motors.get_mut(motor.checked_sub(1)?)? = level;
                ok
            }
            _ => None,
        }
    }
}

impl Firmware for LovenseFirmware {
    fn handle_write(&mut self, endpoint: Endpoint, data: &[u8]) -> Notifications {
        if endpoint != Endpoint::Tx {
            return Vec::new();
        }
        let Ok(text) = std::str::from_utf8(data) else {
            return vec![(Endpoint::Rx, b"ERR;".to_vec())];
        };
        text.split_terminator(';')
            .map(|command| {
                let answer = self.run(command).unwrap_or_else(|| "ERR;".to_owned());
                (Endpoint::Rx, answer.into_bytes())
            })
            .collect()
    }
}

// Service and characteristic UUIDs from the database (lovense.json).
const HUSH_SERVICE: u128 = 0x5a300001_0023_4bd4_bbd5_a6920e4c5653;
const EDGE_SERVICE: u128 = 0x50300001_0023_4bd4_bbd5_a6920e4c5653;
const NORDIC_UART: u128 = 0x6e400001_b5a3_f393_e0a9_e50e24dcca9e;

/// A Lovense Hush (model `Z`): one vibrator.
pub fn lovense_hush(address: &str) -> SimDevice<LovenseFirmware> {
    SimDevice {
        identity: ble_identity(
            "LVS-Z36",
            address,
            HUSH_SERVICE,
            HUSH_SERVICE + (1 << 96),
            HUSH_SERVICE + (2 << 96),
        ),
        firmware: LovenseFirmware::new("Z", 11, 1, false),
    }
}

/// A Lovense Edge (model `P`): two vibrators.
pub fn lovense_edge(address: &str) -> SimDevice<LovenseFirmware> {
    SimDevice {
        identity: ble_identity(
            "LVS-P36",
            address,
            EDGE_SERVICE,
            EDGE_SERVICE + (1 << 96),
            EDGE_SERVICE + (2 << 96),
        ),
        firmware: LovenseFirmware::new("P", 2, 2, false),
    }
}

/// A Lovense Nora (model `A`): a vibrator and a rotating head.
pub fn lovense_nora(address: &str) -> SimDevice<LovenseFirmware> {
    SimDevice {
        identity: ble_identity(
            "LVS-A011",
            address,
            NORDIC_UART,
            NORDIC_UART + (1 << 96),
            NORDIC_UART + (2 << 96),
        ),
        firmware: LovenseFirmware::new("A", 11, 1, true),
    }
}
