//! Devices and their features, with typed helpers for every output and input.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bpio_protocol::v4::{
    self, InputCommandType, InputProperties, InputType, OutputCommand, OutputType, Range,
    ServerMessage,
};
use tokio::sync::mpsc;

use crate::client::Client;
use crate::command::{Command, expect_ok, unexpected};
use crate::error::{Capability, Error};
use crate::level::Level;
use crate::subscription::Subscription;

/// What an output helper asks for, before it is checked against a feature.
#[derive(Debug, Clone, Copy)]
enum Target {
    Level(OutputType, Level),
    Directed { level: Level, clockwise: bool },
    Timed { level: Level, duration: Duration },
}

impl Target {
    fn output_type(self) -> OutputType {
        match self {
            Self::Level(output, _) => output,
            Self::Directed { .. } => OutputType::Rotate,
            Self::Timed { .. } => OutputType::HwPositionWithDuration,
        }
    }
}

/// The output helpers, the same for a feature and a whole device; `$scope` says which in the
/// docs. Each calls `self.drive`.
macro_rules! output_helpers {
    ($scope:literal) => {
        level_helpers! {
            $scope;
            vibrate Vibrate "Sets the vibration speed of ";
            rotate Rotate "Sets the rotation speed (negative: counter-clockwise, where the range is `[-N, N]`) of ";
            oscillate Oscillate "Sets the speed of the back-and-forth motion of ";
            constrict Constrict "Sets the squeeze or pump level of ";
            temperature Temperature "Sets the heating (positive) or cooling (negative) level of ";
            led Led "Sets the brightness of the light of ";
            spray Spray "Sets the spray intensity of ";
            position Position "Sets the position, reached as fast as the device can, of ";
        }

        #[doc = concat!("Sets `output` of ", $scope, " to `level`: what the helpers above do, for an output type chosen at run time.")]
        ///
        /// A timed position ([`OutputType::HwPositionWithDuration`]) needs a duration: use
        /// `position_with_duration`.
        pub async fn output(&self, output: OutputType, level: impl Into<Level>) -> Result<(), Error> {
            if output == OutputType::HwPositionWithDuration {
                return Err(Error::NeedsDuration);
            }
            self.drive(Target::Level(output, level.into())).await
        }

        #[doc = concat!("Sets the rotation speed and direction of ", $scope, ".")]
        ///
        /// The level is a magnitude (0 to 1, or 0 to N steps); an output that rotates one way only
        /// (range `[0, N]`) refuses it with [`Capability::RotationDirection`].
        pub async fn rotate_with_direction(
            &self,
            level: impl Into<Level>,
            clockwise: bool,
        ) -> Result<(), Error> {
            self.drive(Target::Directed { level: level.into(), clockwise }).await
        }

        #[doc = concat!("Sets the position of ", $scope, ", reached over `duration` as timed by the device.")]
        ///
        /// A duration outside the advertised range fails with [`Error::DurationOutOfRange`]
        /// without sending anything.
        pub async fn position_with_duration(
            &self,
            level: impl Into<Level>,
            duration: Duration,
        ) -> Result<(), Error> {
            self.drive(Target::Timed { level: level.into(), duration }).await
        }
    };
}

/// One helper per line: name, output type, doc text before the scope.
macro_rules! level_helpers {
    ($scope:literal; $($name:ident $output:ident $doc:literal;)*) => {$(
        #[doc = concat!($doc, $scope, ".")]
        ///
        /// Fails without sending anything when the output is missing or the level is outside
        /// its range.
        pub async fn $name(&self, level: impl Into<Level>) -> Result<(), Error> {
            self.drive(Target::Level(OutputType::$output, level.into())).await
        }
    )*};
}

/// A device connected to the server.
///
/// A handle: cheap to clone, and it stays valid when the device leaves. Commands to a device
/// that has left fail with [`Error::DeviceGone`] without being sent, also when another device
/// has taken its index since.
#[derive(Clone)]
pub struct Device {
    client: Client,
    info: Arc<v4::Device>,
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Device")
            .field("index", &self.index())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl Device {
    pub(crate) fn new(client: Client, info: Arc<v4::Device>) -> Self {
        Self { client, info }
    }

    /// The device index.
    pub fn index(&self) -> u32 {
        self.info.device_index
    }

    /// The model name from the server's device configuration.
    pub fn name(&self) -> &str {
        &self.info.device_name
    }

    /// The name the user gave the device, if any.
    pub fn display_name(&self) -> Option<&str> {
        self.info.device_display_name.as_deref()
    }

    /// The least time between two output commands that the server enforces for this device.
    pub fn timing_gap(&self) -> Duration {
        Duration::from_millis(self.info.device_message_timing_gap.into())
    }

    /// The device as the server described it.
    pub fn description(&self) -> &v4::Device {
        &self.info
    }

    /// The client this device belongs to.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The features, in index order.
    pub fn features(&self) -> Vec<Feature> {
        self.info.device_features.values().map(|info| self.make_feature(info)).collect()
    }

    /// The feature at `index`.
    pub fn feature(&self, index: u32) -> Option<Feature> {
        self.info.device_features.get(&index).map(|info| self.make_feature(info))
    }

    /// Whether some feature has an output of type `output`.
    pub fn has_output(&self, output: OutputType) -> bool {
        self.features().iter().any(|feature| feature.has_output(output))
    }

    /// Whether some feature has an input of type `input`.
    pub fn has_input(&self, input: InputType) -> bool {
        self.features().iter().any(|feature| feature.input(input).is_some())
    }

    /// Whether the device is still connected to the server (and to this client).
    pub fn is_connected(&self) -> bool {
        self.client.shared().devices.get(&self.index()).is_some_and(|now| **now == *self.info)
    }

    output_helpers!(
        "every feature of the device that has the output (a fraction is converted with each feature's range)"
    );

    /// Reads `input` once, from the first feature that can read it.
    pub async fn read(&self, input: InputType) -> Result<v4::Reading, Error> {
        self.input_feature(input, InputCommandType::Read)?.read(input).await
    }

    /// The battery level in percent.
    pub async fn battery(&self) -> Result<u8, Error> {
        self.input_feature(InputType::Battery, InputCommandType::Read)?.battery().await
    }

    /// The radio signal strength in dBm.
    pub async fn rssi(&self) -> Result<i8, Error> {
        self.input_feature(InputType::Rssi, InputCommandType::Read)?.rssi().await
    }

    /// Subscribes to `input` of the first feature that offers subscriptions to it.
    pub async fn subscribe(&self, input: InputType) -> Result<Subscription, Error> {
        self.input_feature(input, InputCommandType::Subscribe)?.subscribe(input).await
    }

    /// Stops every output of the device and ends its input subscriptions.
    pub async fn stop(&self) -> Result<(), Error> {
        self.check_connected()?;
        self.client.stop_selected(Some(self.index()), None).await
    }

    async fn drive(&self, target: Target) -> Result<(), Error> {
        let output = target.output_type();
        let commands = self
            .features()
            .iter()
            .filter(|feature| feature.has_output(output))
            .map(|feature| Ok((feature.index(), feature.plan(target)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        if commands.is_empty() {
            return Err(self.unsupported(None, Capability::Output(output)));
        }
        self.check_connected()?;
        // Every command goes out before any reply is awaited; the replies may come in any order.
        let replies = commands
            .into_iter()
            .map(|(feature, command)| {
                self.client.submit(Command::Output { device: self.index(), feature, command })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let mut result = Ok(());
        for reply in replies {
            let outcome = reply.await.and_then(expect_ok);
            if result.is_ok() {
                result = outcome;
            }
        }
        result
    }

    fn input_feature(&self, input: InputType, command: InputCommandType) -> Result<Feature, Error> {
        self.features()
            .into_iter()
            .find(|feature| feature.input(input).is_some_and(|props| props.accepts(command)))
            .ok_or_else(|| self.unsupported(None, Capability::Input(input, command)))
    }

    fn check_connected(&self) -> Result<(), Error> {
        if self.is_connected() { Ok(()) } else { Err(Error::DeviceGone(self.index())) }
    }

    fn unsupported(&self, feature: Option<u32>, capability: Capability) -> Error {
        Error::Unsupported { device: self.index(), feature, capability }
    }

    fn make_feature(&self, info: &v4::Feature) -> Feature {
        Feature { device: self.clone(), info: info.clone() }
    }
}

/// One feature of a device: a motor, an axis, a sensor.
#[derive(Debug, Clone)]
pub struct Feature {
    device: Device,
    info: v4::Feature,
}

impl Feature {
    /// The feature index.
    pub fn index(&self) -> u32 {
        self.info.feature_index
    }

    /// The device it belongs to.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The description from the device configuration; may be empty.
    pub fn description(&self) -> &str {
        &self.info.feature_description
    }

    /// The feature as the server described it.
    pub fn info(&self) -> &v4::Feature {
        &self.info
    }

    /// The output types the feature offers.
    pub fn outputs(&self) -> Vec<OutputType> {
        self.info.output.as_ref().map(|outputs| outputs.types().collect()).unwrap_or_default()
    }

    /// Whether the feature offers `output`.
    pub fn has_output(&self, output: OutputType) -> bool {
        self.output_range(output).is_some()
    }

    /// The steps `output` accepts, if the feature offers it.
    pub fn output_range(&self, output: OutputType) -> Option<Range> {
        self.ranges(output).map(|ranges| ranges.value)
    }

    /// The milliseconds [`Feature::position_with_duration`] accepts, if the feature offers it.
    pub fn duration_range(&self) -> Option<Range> {
        self.ranges(OutputType::HwPositionWithDuration).and_then(|ranges| ranges.duration)
    }

    /// The input types the feature reports.
    pub fn inputs(&self) -> Vec<InputType> {
        self.info.input.as_ref().map(|inputs| inputs.types().collect()).unwrap_or_default()
    }

    /// What the feature offers for `input`, if it reports it.
    pub fn input(&self, input: InputType) -> Option<&InputProperties> {
        self.info.input.as_ref()?.get(input)
    }

    output_helpers!("this feature");

    /// Reads `input` once.
    pub async fn read(&self, input: InputType) -> Result<v4::Reading, Error> {
        self.check_input(input, InputCommandType::Read)?;
        let reply =
            self.device.client.call(self.input_command(input, InputCommandType::Read)).await?;
        match reply {
            ServerMessage::InputReading(reading)
                if reading.device_index == self.device.index()
                    && reading.feature_index == self.index()
                    && reading.reading.input_type() == input =>
            {
                Ok(reading.reading)
            }
            other => Err(unexpected("the InputReading asked for", &other)),
        }
    }

    /// The battery level in percent.
    pub async fn battery(&self) -> Result<u8, Error> {
        match self.read(InputType::Battery).await? {
            v4::Reading::Battery(level) => Ok(level.value),
            // `read` checked the type already.
            _ => Err(Error::UnexpectedReply { expected: "Battery", got: "another reading" }),
        }
    }

    /// The radio signal strength in dBm.
    pub async fn rssi(&self) -> Result<i8, Error> {
        match self.read(InputType::Rssi).await? {
            v4::Reading::Rssi(level) => Ok(level.value),
            _ => Err(Error::UnexpectedReply { expected: "Rssi", got: "another reading" }),
        }
    }

    /// Subscribes to `input`: the server sends each new value, which the returned stream
    /// yields. Several streams may watch one input; the server subscription ends when the last
    /// of them is dropped or unsubscribed, or with [`Feature::stop`], [`Device::stop`] or
    /// [`Client::stop`].
    pub async fn subscribe(&self, input: InputType) -> Result<Subscription, Error> {
        self.check_input(input, InputCommandType::Subscribe)?;
        let client = &self.device.client;
        let key = (self.device.index(), self.index(), input);
        let (sender, readings) = mpsc::unbounded_channel();
        // Registered before the request, so no reading can slip in between.
        let token = {
            let mut shared = client.shared();
            let token = shared.next_token;
            shared.next_token = token.wrapping_add(1);
            shared.subscriptions.entry(key).or_default().push((token, sender));
            token
        };
        let mut subscription = Subscription::new(client.clone(), key, token, readings);
        let reply = client.call(self.input_command(input, InputCommandType::Subscribe)).await;
        match reply.and_then(expect_ok) {
            Ok(()) => Ok(subscription),
            Err(err) => {
                subscription.forget();
                Err(err)
            }
        }
    }

    /// Stops the outputs of this feature and ends its input subscriptions.
    pub async fn stop(&self) -> Result<(), Error> {
        self.device.check_connected()?;
        self.device.client.stop_selected(Some(self.device.index()), Some(self.index())).await
    }

    async fn drive(&self, target: Target) -> Result<(), Error> {
        let command = self.plan(target)?;
        self.device.check_connected()?;
        let (device, feature) = (self.device.index(), self.index());
        expect_ok(self.device.client.call(Command::Output { device, feature, command }).await?)
    }

    /// The command `target` stands for on this feature, or why there is none.
    fn plan(&self, target: Target) -> Result<OutputCommand, Error> {
        let output = target.output_type();
        let v4::OutputRanges { value: range, duration: durations } =
            self.ranges(output).ok_or_else(|| self.unsupported(Capability::Output(output)))?;
        let (value, duration_ms) = match target {
            Target::Level(output, level) => (level.steps(range, output.is_stoppable())?, 0),
            Target::Directed { level, clockwise } => {
                if range.min() >= 0 {
                    return Err(self.unsupported(Capability::RotationDirection));
                }
                let reach = if clockwise { range.max() } else { -range.min() };
                let magnitude = level.steps(Range::new(0, reach).unwrap_or(range), true)?;
                (if clockwise { magnitude } else { -magnitude }, 0)
            }
            Target::Timed { level, duration } => {
                let durations =
                    durations.ok_or_else(|| self.unsupported(Capability::Output(output)))?;
                let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
                if !durations.contains(ms) {
                    return Err(Error::DurationOutOfRange { duration, range: durations });
                }
                (level.steps(range, false)?, ms)
            }
        };
        Ok(OutputCommand::new(output, value, duration_ms))
    }

    fn ranges(&self, output: OutputType) -> Option<v4::OutputRanges> {
        self.info.output.as_ref()?.ranges(output)
    }

    fn check_input(&self, input: InputType, command: InputCommandType) -> Result<(), Error> {
        if !self.input(input).is_some_and(|props| props.accepts(command)) {
            return Err(self.unsupported(Capability::Input(input, command)));
        }
        self.device.check_connected()
    }

    fn input_command(&self, input: InputType, command: InputCommandType) -> Command {
        Command::Input { device: self.device.index(), feature: self.index(), input, command }
    }

    fn unsupported(&self, capability: Capability) -> Error {
        self.device.unsupported(Some(self.index()), capability)
    }
}
