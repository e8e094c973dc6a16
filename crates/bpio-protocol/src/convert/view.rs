//! The legacy view of a v4 device: the lists S, R, L, V and B of docs/VERSIONS.md 4.1.
//!
//! Older versions address actuators and sensors by their position in per-message lists. All of
//! them are derived here from the v4 description of the device, and the same lists are used to
//! advertise the device (v4 → v3) and to decode incoming legacy indexes (v3 → v4), so the two
//! directions can not disagree (docs/VERSIONS.md 13, item 1).

use crate::v4;

/// One entry of the scalar, rotate or linear list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActuatorEntry {
    /// The v4 feature this entry drives.
    pub feature_index: u32,
    /// The feature's description (`""` when none).
    pub description: String,
    /// The v4 output type the entry drives.
    pub output_type: v4::OutputType,
    /// `N`: the upper end of the advertised `Value` range, at least 1.
    pub step_count: u32,
}

/// One entry of the battery list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensorEntry {
    /// The v4 feature holding the battery input.
    pub feature_index: u32,
    /// The feature's description (`""` when none).
    pub description: String,
    /// The input's `Value` ranges.
    pub ranges: Vec<v4::Range>,
}

/// The legacy lists of one v4 device: the mapping between legacy indexes and v4 features.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceView {
    /// S: every speed-like or `Position` output, per feature in the order Constrict, Temperature,
    /// Led, Oscillate, Position, Rotate, Spray, Vibrate.
    pub scalars: Vec<ActuatorEntry>,
    /// R: bidirectional `Rotate` outputs (advertised range with a negative minimum).
    pub rotators: Vec<ActuatorEntry>,
    /// L: `HwPositionWithDuration` outputs.
    pub linears: Vec<ActuatorEntry>,
    /// B: `Battery` inputs that accept `Read`.
    pub batteries: Vec<SensorEntry>,
}

/// The output types of S, in their order inside one feature (docs/VERSIONS.md 4.1).
const SCALAR_ORDER: [v4::OutputType; 8] = [
    v4::OutputType::Constrict,
    v4::OutputType::Temperature,
    v4::OutputType::Led,
    v4::OutputType::Oscillate,
    v4::OutputType::Position,
    v4::OutputType::Rotate,
    v4::OutputType::Spray,
    v4::OutputType::Vibrate,
];

impl DeviceView {
    /// The lists of `device`. Features are visited in ascending index; only advertised outputs and
    /// inputs take part, and an output whose `N` is 0 is left out (a `StepCount` of 0 is invalid).
    pub fn of(device: &v4::Device) -> Self {
        let mut view = Self::default();
        for feature in device.device_features.values() {
            let entry = |output_type, step_count| ActuatorEntry {
                feature_index: feature.feature_index,
                description: feature.feature_description.clone(),
                output_type,
                step_count,
            };
            if let Some(output) = &feature.output {
                for output_type in SCALAR_ORDER {
                    if let Some(n) = output.ranges(output_type).and_then(|(r, _)| steps(r)) {
                        view.scalars.push(entry(output_type, n));
                    }
                }
                if let Some(range) = output.rotate.map(|r| r.value)
                    && range.min() < 0
                    && let Some(n) = steps(range)
                {
                    view.rotators.push(entry(v4::OutputType::Rotate, n));
                }
                if let Some(n) = output.hw_position_with_duration.and_then(|r| steps(r.value)) {
                    view.linears.push(entry(v4::OutputType::HwPositionWithDuration, n));
                }
            }
            if let Some(battery) = feature.input.as_ref().and_then(|input| input.battery.as_ref())
                && battery.command.contains(&v4::InputCommandType::Read)
            {
                view.batteries.push(SensorEntry {
                    feature_index: feature.feature_index,
                    description: feature.feature_description.clone(),
                    ranges: battery.value.clone(),
                });
            }
        }
        view
    }

    /// V: the entries of S whose output type is `Vibrate`.
    pub fn vibrators(&self) -> impl Iterator<Item = &ActuatorEntry> {
        self.scalars.iter().filter(|entry| entry.output_type == v4::OutputType::Vibrate)
    }
}

/// `N` of an advertised range, when it is at least 1.
fn steps(range: v4::Range) -> Option<u32> {
    u32::try_from(range.max()).ok().filter(|n| *n > 0)
}
