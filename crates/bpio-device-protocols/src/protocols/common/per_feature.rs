//! The whole protocol of the simplest firmware ([`PerFeature`]), and the fixed init writes some
//! firmware needs once configured ([`InitSequence`]).

use std::collections::VecDeque;
use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;

use super::{BatteryRead, byte, write_each};
use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Identifier, Keepalive, KeepaliveWhen, Protocol, Step};

/// Init commands sent in order once the device is configured; identification (before
/// `configure`) has no steps.
#[derive(Debug, Clone, Default)]
pub(crate) struct InitSequence {
    pending: VecDeque<HardwareCommand>,
    configured: bool,
}

impl InitSequence {
    /// The sequence `commands`.
    pub(crate) fn new(commands: impl IntoIterator<Item = HardwareCommand>) -> Self {
        Self { pending: commands.into_iter().collect(), configured: false }
    }

    /// `configure` ran: the commands follow.
    pub(crate) fn start(&mut self) {
        self.configured = true;
    }

    /// The next handshake step.
    pub(crate) fn poll(&mut self) -> Step {
        let next = if self.configured { self.pending.pop_front() } else { None };
        next.map_or(Step::Done, Step::Command)
    }
}

/// Makes the write for one feature's command, given its value as a [`byte`]; refuses what the
/// firmware cannot do.
pub(crate) type WriteFn = fn(u32, &HwOutput, u8) -> Result<HardwareCommand, ProtocolError>;

/// Makes the write for one feature's command from its signed hardware value (a direction in the
/// sign); refuses what the firmware cannot do.
pub(crate) type SignedWriteFn = fn(u32, &HwOutput) -> Result<HardwareCommand, ProtocolError>;

/// How a [`PerFeature`] protocol encodes one feature's command.
#[derive(Debug, Clone, Copy)]
enum Encoder {
    /// The value as a byte ([`write_each`]).
    Byte(WriteFn),
    /// The signed value.
    Signed(SignedWriteFn),
}

/// A protocol for firmware whose only input is at most a battery read ([`Self::with_battery`]),
/// identified by the advertised name, whose handshake is at most a fixed [`InitSequence`] and
/// whose every write sets one feature and depends on nothing sent before: a batch is
/// [`write_each`] with the protocol's [`WriteFn`] (or its [`SignedWriteFn`] for each command).
/// Some firmware wants its last write repeated when the backend needs traffic
/// ([`Self::repeating_last`]).
#[derive(Debug)]
pub(crate) struct PerFeature {
    /// Set for firmware identified by a fixed identifier rather than its advertised name.
    identifier: Option<&'static str>,
    init: InitSequence,
    encoder: Encoder,
    /// Repeat the last write after this long without writes, when the backend needs traffic.
    repeat_after: Option<Duration>,
    last: Option<HardwareCommand>,
    battery: Option<BatteryRead>,
}

impl PerFeature {
    /// The protocol `name` for the device `info`, encoding with `write`.
    pub(crate) fn create(write: WriteFn) -> Box<Self> {
        Box::new(Self::new(Encoder::Byte(write)))
    }

    /// The protocol `name` for the device `info`, encoding signed values with `write`.
    pub(crate) fn signed(write: SignedWriteFn) -> Box<Self> {
        Box::new(Self::new(Encoder::Signed(write)))
    }

    /// The same protocol, for firmware that needs the `init` writes once configured.
    pub(crate) fn with_init(
        mut self: Box<Self>,
        init: impl IntoIterator<Item = HardwareCommand>,
    ) -> Box<Self> {
        self.init = InitSequence::new(init);
        self
    }

    /// The same protocol, for firmware whose every device has the identifier `identifier`
    /// whatever it advertises.
    pub(crate) fn identified_as(mut self: Box<Self>, identifier: &'static str) -> Box<Self> {
        self.identifier = Some(identifier);
        self
    }

    /// The same protocol, whose last write is the keep-alive after `interval` of silence when
    /// the backend needs one (nothing before the first write).
    pub(crate) fn repeating_last(mut self: Box<Self>, interval: Duration) -> Box<Self> {
        self.repeat_after = Some(interval);
        self
    }

    /// The same protocol, for firmware that keeps its battery level where `battery` says.
    pub(crate) fn with_battery(mut self: Box<Self>, battery: BatteryRead) -> Box<Self> {
        self.battery = Some(battery);
        self
    }

    fn new(encoder: Encoder) -> Self {
        Self {
            identifier: None,
            init: InitSequence::default(),
            encoder,
            repeat_after: None,
            last: None,
            battery: None,
        }
    }
}

impl Protocol for PerFeature {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(self.init.poll())
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.init.start();
        Ok(())
    }

    fn keepalive(&self) -> Option<Keepalive> {
        self.repeat_after.map(|interval| Keepalive {
            interval,
            commands: self.last.iter().cloned().collect(),
            when: KeepaliveWhen::BackendRequires,
        })
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let writes = match self.encoder {
            Encoder::Byte(write) => write_each(batch, byte, write)?,
            Encoder::Signed(write) => batch
                .iter()
                .map(|(feature, command)| write(*feature, command))
                .collect::<Result<_, _>>()?,
        };
        if let Some(last) = writes.last() {
            self.last = Some(last.clone());
        }
        Ok(writes)
    }

    fn identifier(&self) -> Identifier<'_> {
        self.identifier.map_or(Identifier::AdvertisedName, Identifier::Found)
    }

    fn battery(&self) -> Option<BatteryRead> {
        self.battery
    }
}
