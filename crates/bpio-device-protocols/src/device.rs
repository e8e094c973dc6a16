//! [`ProtocolDevice`]: one device's protocol plus the checks every protocol shares.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use bpio_device_config::{Definition, Feature, Output};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{
    InputCommandType, InputType, OutputCommand, OutputRanges, OutputRefusal, OutputType, Reading,
};

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Identifier, InputPlan, Keepalive, Protocol, Step};
use crate::registry;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Identifying,
    Initialising,
    Running,
}

/// A device's protocol, driven by the server (or a test driver).
///
/// The order of use:
/// 1. [`Self::new`] with the matched protocol's name.
/// 2. Identification: perform [`Self::poll_step`] until [`Step::Done`], feeding replies with
///    [`Self::handle_step_data`] and timeouts with [`Self::handle_step_timeout`]; then read
///    [`Self::identifier`] and resolve the definition with the device config.
/// 3. [`Self::configure`] with that definition, then the init steps, exactly as in 2.
/// 4. Running: [`Self::client_output`] maps and checks a client command into the scheduler's
///    [`HwOutput`]; [`Self::handle_outputs`] and [`Self::handle_stop`] turn the scheduler's
///    batches into hardware commands ([`Self::stop_outputs`] says what a stop sends);
///    [`Self::handle_input`] plans reads and (un)subscriptions; [`Self::handle_read_data`]
///    finishes a read; [`Self::handle_notification`] yields subscription readings;
///    [`Self::keepalive`] with [`Self::handle_keepalive`], and [`Self::poll_timer`] with
///    [`Self::handle_timer`], cover periodic writes.
///
/// Every command is checked against the definition's features before the protocol encodes
/// anything: a refused batch produces no hardware command at all.
#[derive(Debug)]
pub struct ProtocolDevice {
    name: &'static str,
    protocol: Box<dyn Protocol>,
    /// The name the backend reported, the identifier of most firmware.
    advertised_name: String,
    phase: Phase,
    /// The definition's features, shared with the device database.
    features: Arc<[Feature]>,
    /// The inputs subscribed to: the one record of them (the server keeps none), which decides
    /// what a notification is parsed for and makes a repeated (un)subscribe change nothing.
    subscribed: BTreeSet<(u32, InputType)>,
    /// The protocol's fixed init commands still to send.
    init: VecDeque<HardwareCommand>,
}

impl ProtocolDevice {
    /// The protocol `name` (as in the device database) for a connected device.
    pub fn new(name: &str, info: &DeviceInfo<'_>) -> Result<Self, ProtocolError> {
        let entry =
            registry::find(name).ok_or_else(|| ProtocolError::UnknownProtocol(name.into()))?;
        Ok(Self {
            name: entry.name,
            protocol: (entry.create)(info),
            advertised_name: info.name.to_owned(),
            phase: Phase::Identifying,
            features: Arc::default(),
            subscribed: BTreeSet::new(),
            init: VecDeque::new(),
        })
    }

    /// The protocol name.
    pub fn protocol_name(&self) -> &'static str {
        self.name
    }

    /// The next handshake step.
    pub fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        match self.phase {
            Phase::Running => Ok(Step::Done),
            Phase::Initialising if !self.init.is_empty() => {
                Ok(self.init.pop_front().map_or(Step::Done, Step::Command))
            }
            Phase::Identifying | Phase::Initialising => {
                let step = self.protocol.poll_step()?;
                if step == Step::Done && self.phase == Phase::Initialising {
                    self.phase = Phase::Running;
                }
                Ok(step)
            }
        }
    }

    /// A read result or notification during a handshake.
    pub fn handle_step_data(
        &mut self,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Result<(), ProtocolError> {
        self.protocol.handle_step_data(endpoint, data)
    }

    /// A handshake wait timed out.
    pub fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        self.protocol.handle_step_timeout()
    }

    /// The identifier from identification; `None` selects the protocol's defaults.
    pub fn identifier(&self) -> Option<&str> {
        match self.protocol.identifier() {
            Identifier::AdvertisedName => Some(&self.advertised_name),
            Identifier::Found(identifier) => Some(identifier),
            Identifier::Defaults => None,
        }
    }

    /// Sets the resolved definition; init steps follow.
    pub fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        if self.phase != Phase::Identifying {
            return Err(ProtocolError::OutOfOrder("configure twice"));
        }
        self.protocol.configure(definition)?;
        self.init = self.protocol.init().into();
        self.features = definition.features.clone();
        self.phase = Phase::Initialising;
        Ok(())
    }

    /// Whether init is complete and commands are accepted.
    pub fn is_running(&self) -> bool {
        self.phase == Phase::Running
    }

    /// The features of the definition.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// Checks a client command against the advertised ranges (docs/PROTOCOL.md 6.12 steps 3 to 5)
    /// and maps it to the hardware value (7.3).
    pub fn client_output(
        &self,
        feature: u32,
        command: &OutputCommand,
    ) -> Result<HwOutput, ProtocolError> {
        let output_type = command.output_type();
        let output = enabled_output(self.feature(feature)?, output_type)?;
        let value = command.value();
        check(feature, output_type, output.advertised(), value, command.duration())?;
        let duration = command
            .duration()
            .map(|duration| {
                u32::try_from(duration)
                    .map_err(|_| ProtocolError::BadDuration { feature, duration: Some(duration) })
            })
            .transpose()?;
        let hardware = output.hardware_value(output_type, value);
        let value = i32::try_from(hardware).map_err(|_| ProtocolError::ValueOutOfRange {
            feature,
            output: output_type,
            value: hardware,
        })?;
        Ok(HwOutput { output: output_type, value, duration })
    }

    /// Encodes a batch of client outputs (the scheduler's `Dispatch::Commands`).
    pub fn handle_outputs(
        &mut self,
        batch: &[(u32, HwOutput)],
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.encode(batch, false)
    }

    /// Encodes a batch of stops (the scheduler's `Dispatch::Stop`).
    pub fn handle_stop(
        &mut self,
        batch: &[(u32, HwOutput)],
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.encode(batch, true)
    }

    /// The stop command of each selected feature that has one (docs/PROTOCOL.md 9): a zero of the
    /// first stoppable output type in the order Vibrate, Rotate, Oscillate, Constrict,
    /// Temperature, Led, Spray; disabled outputs included. `None` selects every feature.
    pub fn stop_outputs(&self, feature: Option<u32>) -> Vec<(u32, HwOutput)> {
        self.features
            .iter()
            .filter(|candidate| feature.is_none_or(|index| candidate.index == index))
            .filter_map(stop_of)
            .collect()
    }

    /// Plans an input command (docs/PROTOCOL.md 6.13 steps 3 and 4 checked here). Subscribing twice
    /// or unsubscribing what is not subscribed gives an empty plan.
    pub fn handle_input(
        &mut self,
        feature: u32,
        input: InputType,
        command: InputCommandType,
    ) -> Result<InputPlan, ProtocolError> {
        self.running()?;
        let found = self.feature(feature)?.clone();
        let offered =
            found.inputs.get(&input).ok_or(ProtocolError::UnsupportedInput { feature, input })?;
        if !command.is_offered_by(&offered.commands) {
            return Err(ProtocolError::UnsupportedInputCommand { feature, input, command });
        }
        match command {
            InputCommandType::Read => self.protocol.read(&found, input),
            InputCommandType::Subscribe => {
                if !self.subscribed.insert((feature, input)) {
                    return Ok(InputPlan::default());
                }
                let commands = self.protocol.subscribe(&found, input)?;
                Ok(InputPlan { commands, reply: None })
            }
            InputCommandType::Unsubscribe => {
                if !self.subscribed.remove(&(feature, input)) {
                    return Ok(InputPlan::default());
                }
                let commands = self.protocol.unsubscribe(&found, input)?;
                Ok(InputPlan { commands, reply: None })
            }
        }
    }

    /// Ends every subscription on `feature` (every feature when `None`), as a stop with
    /// `Inputs: true` does.
    pub fn unsubscribe_all(
        &mut self,
        feature: Option<u32>,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let selected: Vec<(u32, InputType)> = self
            .subscribed
            .iter()
            .filter(|(index, _)| feature.is_none_or(|wanted| *index == wanted))
            .copied()
            .collect();
        let mut commands = Vec::new();
        for (index, input) in selected {
            let plan = self.handle_input(index, input, InputCommandType::Unsubscribe)?;
            commands.extend(plan.commands);
        }
        Ok(commands)
    }

    /// Bytes that may answer a pending `Read` of `input` on `feature`; `None` means "not the
    /// reply, keep waiting".
    pub fn handle_read_data(
        &mut self,
        feature: u32,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        self.protocol.parse_reading(feature, input, endpoint, data)
    }

    /// A notification while running: the readings of subscribed inputs it carries.
    pub fn handle_notification(&mut self, endpoint: Endpoint, data: &[u8]) -> Vec<(u32, Reading)> {
        let subscribed: Vec<(u32, InputType)> = self.subscribed.iter().copied().collect();
        subscribed
            .into_iter()
            .filter_map(|(feature, input)| {
                self.protocol.parse_reading(feature, input, endpoint, data).map(|r| (feature, r))
            })
            .collect()
    }

    /// The keep-alive the device needs, if any.
    pub fn keepalive(&self) -> Option<Keepalive> {
        self.protocol.keepalive()
    }

    /// The keep-alive is due: the commands to send now.
    pub fn handle_keepalive(&mut self) -> Vec<HardwareCommand> {
        self.protocol.handle_keepalive()
    }

    /// How long until [`Self::handle_timer`] is due.
    pub fn poll_timer(&self) -> Option<Duration> {
        self.protocol.poll_timer()
    }

    /// The protocol's own timer fired.
    pub fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        self.protocol.handle_timer()
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        self.running()?;
        for (feature, output) in batch {
            self.check_hardware(*feature, output, stop)?;
        }
        let commands = self.protocol.encode(batch, stop)?;
        tracing::trace!(
            protocol = self.name,
            features = batch.len(),
            stop,
            writes = commands.len(),
            "encoded"
        );
        Ok(commands)
    }

    fn check_hardware(
        &self,
        feature: u32,
        command: &HwOutput,
        stop: bool,
    ) -> Result<(), ProtocolError> {
        let found = self.feature(feature)?;
        let output = if stop {
            found
                .outputs
                .get(&command.output)
                .ok_or(ProtocolError::UnsupportedOutput { feature, output: command.output })?
        } else {
            enabled_output(found, command.output)?
        };
        let duration = command.duration.map(i64::from);
        check(feature, command.output, output.hardware_ranges(), command.value.into(), duration)
    }

    fn running(&self) -> Result<(), ProtocolError> {
        if self.phase == Phase::Running {
            Ok(())
        } else {
            Err(ProtocolError::OutOfOrder("command before init finished"))
        }
    }

    fn feature(&self, index: u32) -> Result<&Feature, ProtocolError> {
        self.features
            .iter()
            .find(|feature| feature.index == index)
            .ok_or(ProtocolError::UnknownFeature(index))
    }
}

/// Checks `value` and `duration` of `output` on `feature` against `ranges`: the advertised ones
/// for a client command, the base ones for what an encoder receives. `None` (a negative `max`)
/// fits no value.
fn check(
    feature: u32,
    output: OutputType,
    ranges: Option<OutputRanges>,
    value: i64,
    duration: Option<i64>,
) -> Result<(), ProtocolError> {
    let out_of_range = || ProtocolError::ValueOutOfRange { feature, output, value };
    let ranges = ranges.ok_or_else(out_of_range)?;
    ranges.check(output, value, duration).map_err(|refusal| match refusal {
        OutputRefusal::Value { .. } => out_of_range(),
        _ => ProtocolError::BadDuration { feature, duration },
    })
}

fn enabled_output(feature: &Feature, output: OutputType) -> Result<&Output, ProtocolError> {
    feature
        .outputs
        .get(&output)
        .filter(|found| !found.disabled)
        .ok_or(ProtocolError::UnsupportedOutput { feature: feature.index, output })
}

/// The stop command of `feature`, if it has one (see [`ProtocolDevice::stop_outputs`]).
pub(crate) fn stop_of(feature: &Feature) -> Option<(u32, HwOutput)> {
    let stoppable = OutputType::ALL.into_iter().filter(|kind| kind.is_stoppable());
    let mut present = stoppable.filter(|kind| feature.outputs.contains_key(kind));
    present.next().map(|kind| (feature.index, HwOutput::new(kind, 0)))
}
