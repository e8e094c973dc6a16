//! The trait each protocol implements, and the data it exchanges with its driver.

use std::fmt;
use std::time::Duration;

use bpio_device_config::{Definition, Feature};
use bpio_hardware::{CompanyData, Endpoint, HardwareCommand, Transport};
use bpio_protocol::v4::{InputType, OutputType, Reading};

use crate::error::ProtocolError;
use crate::protocols::common::BatteryRead;

/// One feature's output as the encoder receives it: the hardware value after the mapping of
/// docs/PROTOCOL.md 7.3. This is the command type the server's scheduler coalesces per feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HwOutput {
    /// The output type.
    pub output: OutputType,
    /// The hardware value: `[0, max]`, or `[-max, max]` for bidirectional outputs.
    pub value: i32,
    /// Movement time in ms, for [`OutputType::HwPositionWithDuration`] only.
    pub duration: Option<u32>,
}

impl HwOutput {
    /// An output without duration.
    pub const fn new(output: OutputType, value: i32) -> Self {
        Self { output, value, duration: None }
    }
}

/// The next thing a handshake needs (identification, then init).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Perform this command. The bytes of a [`HardwareCommand::Read`] go to `handle_step_data`.
    Command(HardwareCommand),
    /// Wait up to `timeout` for a notification on `endpoint`; give it to `handle_step_data`, or
    /// call `handle_step_timeout` when the time is up.
    Await {
        /// Where the reply is expected.
        endpoint: Endpoint,
        /// How long to wait.
        timeout: Duration,
    },
    /// The handshake is complete.
    Done,
}

/// How the reply to an input `Read` arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyWait {
    /// The result of the plan's last command, a [`HardwareCommand::Read`].
    ReadResult,
    /// A notification on `endpoint` within `timeout`; notifications the protocol does not
    /// recognise as the reply are skipped.
    Notification {
        /// Where the reply is expected.
        endpoint: Endpoint,
        /// How long to wait.
        timeout: Duration,
    },
}

/// What to do for an input command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputPlan {
    /// Commands to perform, in order.
    pub commands: Vec<HardwareCommand>,
    /// For `Read`: where the reply comes from. `None` for subscribe and unsubscribe.
    pub reply: Option<ReplyWait>,
}

/// When a keep-alive applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepaliveWhen {
    /// Always: the firmware stops without periodic traffic.
    Always,
    /// Only when the backend reports [`bpio_hardware::Hardware::requires_keepalive`].
    BackendRequires,
}

/// A protocol's keep-alive (docs/PROTOCOL.md 8 rule 9): after `interval` without writes, send
/// what [`Protocol::handle_keepalive`] gives (by default `commands`). Exempt from the timing gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keepalive {
    /// Silence after which to send.
    pub interval: Duration,
    /// What to send.
    pub commands: Vec<HardwareCommand>,
    /// When it applies.
    pub when: KeepaliveWhen,
}

/// What a protocol knows about a connected device before identification: what the backend
/// observed in the advertisement and on connecting.
#[derive(Debug, Clone, Copy)]
pub struct DeviceInfo<'a> {
    /// The name the backend reports (BLE: advertised name; simulated: identifier).
    pub name: &'a str,
    /// The backend's address of the device (personal data). Lovense Connect commands name the
    /// toy by it.
    pub address: &'a str,
    /// The transport.
    pub transport: Transport,
    /// The endpoints the connected hardware has ([`bpio_hardware::Hardware::endpoints`]); some
    /// firmware generations differ only in which characteristics they offer.
    pub endpoints: &'a [Endpoint],
    /// The advertised manufacturer data (BLE; empty elsewhere); some handshakes are keyed by it.
    pub manufacturer_data: &'a [CompanyData<'a>],
}

impl<'a> DeviceInfo<'a> {
    /// A device known only by name and transport: no address, no endpoints, no manufacturer
    /// data.
    pub const fn new(name: &'a str, transport: Transport) -> Self {
        Self { name, address: "", transport, endpoints: &[], manufacturer_data: &[] }
    }

    /// Whether the connected hardware has `endpoint`.
    pub fn has_endpoint(&self, endpoint: Endpoint) -> bool {
        self.endpoints.contains(&endpoint)
    }

    /// The data advertised under `company`, if any.
    pub fn manufacturer_data_of(&self, company: u16) -> Option<&'a [u8]> {
        self.manufacturer_data.iter().find(|entry| entry.company == company).map(|entry| entry.data)
    }
}

/// What identification found: the key that selects a device's configuration within its
/// protocol (and its user record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier<'a> {
    /// The advertised name, as most firmware is identified.
    AdvertisedName,
    /// What the handshake read from the device (a model code, a device type).
    Found(&'a str),
    /// Nothing usable: the protocol's default configuration applies.
    Defaults,
}

impl<'a> Identifier<'a> {
    /// [`Identifier::Found`] for `Some`, [`Identifier::Defaults`] for `None`.
    pub fn found(identifier: Option<&'a str>) -> Self {
        identifier.map_or(Self::Defaults, Self::Found)
    }
}

/// One device protocol: a pure state machine from commands to hardware commands.
///
/// Implementors only encode and parse; [`crate::ProtocolDevice`] validates every command
/// against the device's features first, keeps subscriptions, and enforces the phase order:
/// identification steps, [`Protocol::configure`], init steps, then commands.
///
/// Only [`Protocol::encode`] is required. The defaults describe the most common firmware: no
/// handshake, identified by the advertised name, one variant, no inputs, no keep-alive, no
/// timer. A protocol overrides what its firmware does differently.
pub trait Protocol: Send + fmt::Debug {
    /// The next handshake step: identification before `configure`, init after it. The default
    /// is for protocols without a handshake: done at once.
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(Step::Done)
    }

    /// The bytes of a handshake read, or a notification that arrived during a handshake. The
    /// default is for protocols that ask for no data: any is a driver's mistake.
    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        let _ = (endpoint, data);
        Err(ProtocolError::OutOfOrder("data during a handshake that asked for none"))
    }

    /// The wait of a [`Step::Await`] ended without a reply. A protocol that never waits has
    /// nothing to do.
    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        Ok(())
    }

    /// What identification found. The default: the advertised name.
    fn identifier(&self) -> Identifier<'_> {
        Identifier::AdvertisedName
    }

    /// Takes the resolved definition and chooses the variant; init steps follow. The default
    /// is for protocols with one variant.
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let _ = definition;
        Ok(())
    }

    /// Fixed commands sent in order once the device is configured, before any init steps of
    /// [`Protocol::poll_step`]. The default: none.
    fn init(&self) -> Vec<HardwareCommand> {
        Vec::new()
    }

    /// Encodes a validated batch, ascending by feature. `stop` is set for stop batches.
    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError>;

    /// Where the device keeps its battery level, for firmware whose only input is a battery
    /// read from a characteristic. The default: no battery.
    fn battery(&self) -> Option<BatteryRead> {
        None
    }

    /// Plans a validated input `Read`. The default reads [`Protocol::battery`] and refuses
    /// anything else.
    fn read(&mut self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        match self.battery() {
            Some(battery) => battery.plan(feature, input),
            None => Err(ProtocolError::UnsupportedInput { feature: feature.index, input }),
        }
    }

    /// Commands starting a validated subscription. The default refuses: the firmware pushes
    /// no readings.
    fn subscribe(
        &mut self,
        feature: &Feature,
        input: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        Err(ProtocolError::UnsupportedInput { feature: feature.index, input })
    }

    /// Commands ending a subscription. The default sends nothing.
    fn unsubscribe(
        &mut self,
        feature: &Feature,
        input: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let _ = (feature, input);
        Ok(Vec::new())
    }

    /// Parses `data` from `endpoint` as a reading of `input` on `feature`; `None` when the
    /// bytes are not such a reading. The default parses the answer of a [`Protocol::battery`]
    /// read; nothing else is a reading.
    fn parse_reading(
        &mut self,
        feature: u32,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        let _ = feature;
        self.battery()?.parse(input, endpoint, data)
    }

    /// The keep-alive the device needs, if any.
    fn keepalive(&self) -> Option<Keepalive> {
        None
    }

    /// The keep-alive is due: what to send now. The default sends [`Protocol::keepalive`]'s
    /// commands; a protocol whose keep-alive carries state (the current motor levels, a packet
    /// counter) builds it here.
    fn handle_keepalive(&mut self) -> Vec<HardwareCommand> {
        self.keepalive().map(|keepalive| keepalive.commands).unwrap_or_default()
    }

    /// How long until [`Protocol::handle_timer`] is due (devices whose protocol paces a
    /// movement itself); `None` when idle.
    fn poll_timer(&self) -> Option<Duration> {
        None
    }

    /// The timer of [`Protocol::poll_timer`] fired.
    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        Vec::new()
    }
}
