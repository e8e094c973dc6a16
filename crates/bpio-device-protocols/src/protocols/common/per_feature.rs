//! The whole protocol of the simplest firmware ([`PerFeature`]), and the keep-alive of firmware
//! that stops without traffic ([`RepeatLast`]).

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;

use super::{BatteryRead, byte, write_each};
use crate::device::stop_of;
use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Identifier, Keepalive, KeepaliveWhen, Protocol};

/// The keep-alive of firmware that stops without traffic: its last write again, after `interval`
/// of silence. Nothing is sent before the first write unless a packet at rest is given; the
/// protocols without one note the [`connection_stop`] when configured.
#[derive(Debug, Clone)]
pub(crate) struct RepeatLast {
    interval: Duration,
    when: KeepaliveWhen,
    last: Option<HardwareCommand>,
}

impl RepeatLast {
    /// Repeats after `interval` of silence, when the backend needs traffic.
    pub(crate) const fn new(interval: Duration) -> Self {
        Self { interval, when: KeepaliveWhen::BackendRequires, last: None }
    }

    /// Repeats after `interval` of silence whatever the backend, `rest` until the first write.
    pub(crate) const fn always(interval: Duration, rest: HardwareCommand) -> Self {
        Self { interval, when: KeepaliveWhen::Always, last: Some(rest) }
    }

    /// Whether there is a packet to repeat yet.
    pub(crate) const fn has_packet(&self) -> bool {
        self.last.is_some()
    }

    /// The writes of a batch went out: the last of them is the one to repeat.
    pub(crate) fn note(&mut self, writes: &[HardwareCommand]) {
        if let Some(last) = writes.last() {
            self.last = Some(last.clone());
        }
    }

    /// The keep-alive as it stands.
    pub(crate) fn keepalive(&self) -> Keepalive {
        Keepalive {
            interval: self.interval,
            commands: self.last.iter().cloned().collect(),
            when: self.when,
        }
    }
}

/// The batch that stops every feature of `definition`. The reference writes it when a device
/// whose keep-alive repeats its last write connects, so the last packet of this stop is what the
/// keep-alive repeats until the first command: such protocols encode it when configured.
pub(crate) fn connection_stop(definition: &Definition) -> Vec<(u32, HwOutput)> {
    definition.features.iter().filter_map(stop_of).collect()
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
/// identified by the advertised name, whose handshake is at most fixed init writes and
/// whose every write sets one feature and depends on nothing sent before: a batch is
/// [`write_each`] with the protocol's [`WriteFn`] (or its [`SignedWriteFn`] for each command).
/// Some firmware wants its last write repeated when the backend needs traffic
/// ([`Self::repeating_last`]), or always ([`Self::always_repeating_last`]).
#[derive(Debug)]
pub(crate) struct PerFeature {
    /// Set for firmware identified by a fixed identifier rather than its advertised name.
    identifier: Option<&'static str>,
    init: Vec<HardwareCommand>,
    encoder: Encoder,
    /// The keep-alive, for firmware that wants its last write repeated.
    repeat: Option<RepeatLast>,
    battery: Option<BatteryRead>,
}

impl PerFeature {
    /// The protocol of firmware that takes each feature's value as a byte, written by `write`.
    pub(crate) fn create(write: WriteFn) -> Box<Self> {
        Box::new(Self::new(Encoder::Byte(write)))
    }

    /// The protocol of a device the database lists without features and whose commands no
    /// source documents: it is recognised and listed, and every output is refused.
    pub(crate) fn listed_only() -> Box<Self> {
        Self::create(|feature, command, _| Err(super::unsupported(feature, command)))
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
        self.init = init.into_iter().collect();
        self
    }

    /// The same protocol, for firmware whose every device has the identifier `identifier`
    /// whatever it advertises.
    pub(crate) fn identified_as(mut self: Box<Self>, identifier: &'static str) -> Box<Self> {
        self.identifier = Some(identifier);
        self
    }

    /// The same protocol, whose last write is the keep-alive after `interval` of silence when
    /// the backend needs one; before any command, the last packet of the [`connection_stop`].
    pub(crate) fn repeating_last(mut self: Box<Self>, interval: Duration) -> Box<Self> {
        self.repeat = Some(RepeatLast::new(interval));
        self
    }

    /// The same protocol, for firmware that stops without traffic: whatever the backend, the
    /// last write is the keep-alive after `interval` of silence, and `rest` is until the first.
    pub(crate) fn always_repeating_last(
        mut self: Box<Self>,
        interval: Duration,
        rest: HardwareCommand,
    ) -> Box<Self> {
        self.repeat = Some(RepeatLast::always(interval, rest));
        self
    }

    /// The same protocol, for firmware that keeps its battery level where `battery` says.
    pub(crate) fn with_battery(mut self: Box<Self>, battery: BatteryRead) -> Box<Self> {
        self.battery = Some(battery);
        self
    }

    fn new(encoder: Encoder) -> Self {
        Self { identifier: None, init: Vec::new(), encoder, repeat: None, battery: None }
    }
}

impl Protocol for PerFeature {
    fn init(&self) -> Vec<HardwareCommand> {
        self.init.clone()
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        if self.repeat.as_ref().is_some_and(|repeat| !repeat.has_packet()) {
            // Only the keep-alive keeps what it writes; a stop the firmware cannot take leaves
            // nothing to repeat.
            let _ = self.encode(&connection_stop(definition), true);
        }
        Ok(())
    }

    fn keepalive(&self) -> Option<Keepalive> {
        self.repeat.as_ref().map(RepeatLast::keepalive)
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
        if let Some(repeat) = &mut self.repeat {
            repeat.note(&writes);
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
