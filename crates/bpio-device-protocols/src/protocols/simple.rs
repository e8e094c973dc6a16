//! What the protocols of devices without inputs have in common: the input half of
//! [`crate::Protocol`], hardware values that travel as one byte, and [`PerFeature`], the whole
//! protocol of firmware that takes one self-contained write per feature.

use std::time::Duration;

use bpio_hardware::{Endpoint, HardwareCommand};

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Keepalive, KeepaliveWhen, Protocol};

/// Implements identification and the handshake of [`crate::Protocol`] for a device that is
/// identified by its advertised name (kept in a field `identifier: String`) and needs no
/// handshake.
macro_rules! named_without_handshake {
    ($name:expr) => {
        fn handle_step_data(
            &mut self,
            endpoint: ::bpio_hardware::Endpoint,
            data: &[u8],
        ) -> Result<(), $crate::error::ProtocolError> {
            $crate::protocols::no_step_data($name, endpoint, data)
        }

        fn identifier(&self) -> Option<&str> {
            Some(&self.identifier)
        }
    };
}

pub(crate) use named_without_handshake;

/// The hardware value as the single byte the firmware takes. The database's ranges fit; a user
/// config that widens a range beyond a byte is refused rather than truncated.
pub(crate) fn byte(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    u8::try_from(command.value).map_err(|_| out_of_range(feature, command))
}

/// The size of the hardware value as one byte, for firmware that takes no direction (a
/// bidirectional range from a user config turns the same way both ways).
pub(crate) fn magnitude(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    u8::try_from(command.value.unsigned_abs()).map_err(|_| out_of_range(feature, command))
}

/// The number of the motor on `feature` for firmware that counts motors from 1 in feature
/// order; `None` beyond what a byte holds.
pub(crate) fn motor_number(feature: u32) -> Option<u8> {
    u8::try_from(feature).ok()?.checked_add(1)
}

/// The refusal of a value the firmware cannot take.
pub(crate) fn out_of_range(feature: u32, command: &HwOutput) -> ProtocolError {
    ProtocolError::ValueOutOfRange { feature, output: command.output, value: command.value.into() }
}

/// The refusal of an output this firmware has no command for.
pub(crate) fn unsupported(feature: u32, command: &HwOutput) -> ProtocolError {
    ProtocolError::UnsupportedOutput { feature, output: command.output }
}

/// One write per feature of a batch, in feature order, for firmware whose commands address one
/// motor each: `write` gets the feature, its command and the value as a byte, and refuses what
/// the firmware cannot do.
pub(crate) fn write_each(
    batch: &[(u32, HwOutput)],
    mut write: impl FnMut(u32, &HwOutput, u8) -> Result<HardwareCommand, ProtocolError>,
) -> Result<Vec<HardwareCommand>, ProtocolError> {
    batch
        .iter()
        .map(|(feature, command)| write(*feature, command, byte(*feature, command)?))
        .collect()
}

/// A write without response to `tx`, the endpoint these firmwares listen on.
pub(crate) fn tx(data: impl Into<Vec<u8>>) -> HardwareCommand {
    HardwareCommand::write(Endpoint::Tx, data)
}

/// A write with response to `tx`.
pub(crate) fn tx_acked(data: impl Into<Vec<u8>>) -> HardwareCommand {
    HardwareCommand::write_with_response(Endpoint::Tx, data)
}

/// Makes the write for one feature's command, given its value as a byte; refuses what the
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

/// A protocol for firmware without a handshake or inputs, identified by the advertised name,
/// whose every write sets one feature and depends on nothing sent before: a batch is
/// [`write_each`] with the protocol's [`WriteFn`] (or its [`SignedWriteFn`] for each command).
/// Some firmware wants its last write repeated when the backend needs traffic
/// ([`Self::repeating_last`]).
#[derive(Debug)]
pub(crate) struct PerFeature {
    name: &'static str,
    identifier: String,
    encoder: Encoder,
    /// Repeat the last write after this long without writes, when the backend needs traffic.
    repeat_after: Option<Duration>,
    last: Option<HardwareCommand>,
}

impl PerFeature {
    /// The protocol `name` for the device `info`, encoding with `write`.
    pub(crate) fn create(name: &'static str, info: &DeviceInfo<'_>, write: WriteFn) -> Box<Self> {
        Box::new(Self::new(name, info, Encoder::Byte(write)))
    }

    /// The protocol `name` for the device `info`, encoding signed values with `write`.
    pub(crate) fn signed(
        name: &'static str,
        info: &DeviceInfo<'_>,
        write: SignedWriteFn,
    ) -> Box<Self> {
        Box::new(Self::new(name, info, Encoder::Signed(write)))
    }

    /// As [`Self::create`], and the last write is the keep-alive after `interval` of silence
    /// when the backend needs one (nothing before the first write).
    pub(crate) fn repeating_last(
        name: &'static str,
        info: &DeviceInfo<'_>,
        write: WriteFn,
        interval: Duration,
    ) -> Box<Self> {
        Box::new(Self {
            repeat_after: Some(interval),
            ..Self::new(name, info, Encoder::Byte(write))
        })
    }

    fn new(name: &'static str, info: &DeviceInfo<'_>, encoder: Encoder) -> Self {
        Self { name, identifier: info.name.to_owned(), encoder, repeat_after: None, last: None }
    }
}

impl Protocol for PerFeature {
    no_inputs!();

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        super::no_step_data(self.name, endpoint, data)
    }

    fn identifier(&self) -> Option<&str> {
        Some(&self.identifier)
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let writes = match self.encoder {
            Encoder::Byte(write) => write_each(batch, write)?,
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

    fn keepalive(&self) -> Option<Keepalive> {
        self.repeat_after.map(|interval| Keepalive {
            interval,
            commands: self.last.iter().cloned().collect(),
            when: KeepaliveWhen::BackendRequires,
        })
    }
}
