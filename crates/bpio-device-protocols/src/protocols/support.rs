//! Small pieces several protocols share: the whole state machine of the simplest protocols
//! ([`PacketPerCommand`]), per-motor levels for firmware that takes every motor in one write,
//! battery reads from a readable characteristic, the input methods of protocols whose devices
//! have no inputs, and the AES-ECB encryption of several firmwares ([`EcbKey`]).

use std::collections::VecDeque;
use std::time::Duration;

use aes::Aes128;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use bpio_device_config::{Definition, Feature};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, OutputType, Reading, ReadingValue};

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, InputPlan, Protocol, ReplyWait, Step};

/// How long a battery read may take.
const READ_TIMEOUT: Duration = Duration::from_secs(1);

/// The input methods of `Protocol` for a protocol whose only input is a battery level read from
/// a characteristic: `$battery(&self)` gives the [`BatteryRead`], `None` when the device has no
/// battery. Subscriptions are refused.
macro_rules! battery_inputs {
    ($battery:path) => {
        fn read(
            &mut self,
            feature: &bpio_device_config::Feature,
            input: bpio_protocol::v4::InputType,
        ) -> Result<$crate::protocol::InputPlan, $crate::error::ProtocolError> {
            $battery(self)
                .ok_or($crate::error::ProtocolError::UnsupportedInput {
                    feature: feature.index,
                    input,
                })?
                .plan(feature, input)
        }

        fn subscribe(
            &mut self,
            feature: &bpio_device_config::Feature,
            input: bpio_protocol::v4::InputType,
        ) -> Result<Vec<bpio_hardware::HardwareCommand>, $crate::error::ProtocolError> {
            Err($crate::error::ProtocolError::UnsupportedInput { feature: feature.index, input })
        }

        fn unsubscribe(
            &mut self,
            _: &bpio_device_config::Feature,
            _: bpio_protocol::v4::InputType,
        ) -> Result<Vec<bpio_hardware::HardwareCommand>, $crate::error::ProtocolError> {
            Ok(Vec::new())
        }

        fn parse_reading(
            &mut self,
            _: u32,
            input: bpio_protocol::v4::InputType,
            endpoint: bpio_hardware::Endpoint,
            data: &[u8],
        ) -> Option<bpio_protocol::v4::Reading> {
            $battery(self)?.parse(input, endpoint, data)
        }
    };
}
pub(crate) use battery_inputs;

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

/// The packet for one command: an output type and its level; `None` for types the protocol
/// cannot drive.
pub(crate) type PacketFn = fn(OutputType, u8) -> Option<HardwareCommand>;

/// The state machine of the simplest protocols: the advertised name is the identifier, init is a
/// fixed sequence of writes, every command is one packet of its own, and there are no inputs.
#[derive(Debug)]
pub(crate) struct PacketPerCommand {
    protocol: &'static str,
    identifier: String,
    init: InitSequence,
    packet: PacketFn,
}

impl PacketPerCommand {
    /// A device of `protocol` that needs the `init` writes and takes `packet`s.
    pub(crate) fn new(
        protocol: &'static str,
        info: &DeviceInfo<'_>,
        init: impl IntoIterator<Item = HardwareCommand>,
        packet: PacketFn,
    ) -> Self {
        Self { protocol, identifier: info.name.to_owned(), init: InitSequence::new(init), packet }
    }
}

impl Protocol for PacketPerCommand {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(self.init.poll())
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        super::no_step_data(self.protocol, endpoint, data)
    }

    fn identifier(&self) -> Option<&str> {
        Some(&self.identifier)
    }

    fn configure(&mut self, _: &Definition) -> Result<(), ProtocolError> {
        self.init.start();
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        write_each(batch, self.packet)
    }

    no_inputs!();
}

/// The refusal of an output the protocol cannot drive.
pub(crate) const fn unsupported(feature: u32, output: OutputType) -> ProtocolError {
    ProtocolError::UnsupportedOutput { feature, output }
}

/// A hardware value as one byte; values that do not fit are refused (the database keeps every
/// range of these protocols within a byte, a user config might not).
pub(crate) fn byte(feature: u32, command: &HwOutput) -> Result<u8, ProtocolError> {
    u8::try_from(command.value).map_err(|_| ProtocolError::ValueOutOfRange {
        feature,
        output: command.output,
        value: command.value.into(),
    })
}

/// One write per command of the batch, for firmware that takes one motor per packet: `packet`
/// gives the write for an output type and level, `None` for types the protocol cannot drive.
pub(crate) fn write_each(
    batch: &[(u32, HwOutput)],
    packet: impl Fn(OutputType, u8) -> Option<HardwareCommand>,
) -> Result<Vec<HardwareCommand>, ProtocolError> {
    batch
        .iter()
        .map(|(feature, command)| {
            packet(command.output, byte(*feature, command)?)
                .ok_or_else(|| unsupported(*feature, command.output))
        })
        .collect()
}

/// The byte of a motor level for an output of one of the `accepts` types.
pub(crate) fn level_of(
    accepts: &[OutputType],
) -> impl Fn(u32, &HwOutput) -> Result<u8, ProtocolError> + '_ {
    move |feature, command| {
        if accepts.contains(&command.output) {
            byte(feature, command)
        } else {
            Err(unsupported(feature, command.output))
        }
    }
}

/// The current byte of each motor, one slot per feature index, for firmware whose every write
/// carries all motors. A batch is applied whole or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Levels {
    slots: Vec<u8>,
}

impl Levels {
    /// `count` motors at rest (0), features `0..count`.
    pub(crate) fn new(count: usize) -> Self {
        Self::at_rest(count, 0)
    }

    /// `count` motors whose byte at rest is `rest`.
    pub(crate) fn at_rest(count: usize, rest: u8) -> Self {
        Self { slots: vec![rest; count] }
    }

    /// Takes the batch; `encode` gives a command's byte or refuses it.
    pub(crate) fn apply(
        &mut self,
        batch: &[(u32, HwOutput)],
        encode: impl Fn(u32, &HwOutput) -> Result<u8, ProtocolError>,
    ) -> Result<(), ProtocolError> {
        let mut updated = self.slots.clone();
        for (feature, command) in batch {
            let encoded = encode(*feature, command)?;
            let slot = usize::try_from(*feature)
                .ok()
                .and_then(|index| updated.get_mut(index))
                .ok_or(ProtocolError::UnknownFeature(*feature))?;
            *slot = encoded;
        }
        self.slots = updated;
        Ok(())
    }

    /// The bytes in feature order.
    pub(crate) fn values(&self) -> &[u8] {
        &self.slots
    }

    /// Whether any motor runs.
    pub(crate) fn any_running(&self) -> bool {
        self.slots.iter().any(|level| *level != 0)
    }
}

/// A battery level read from a characteristic: `length` bytes from `endpoint`, the percentage at
/// byte `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatteryRead {
    /// Where to read.
    pub(crate) endpoint: Endpoint,
    /// How many bytes the answer has.
    pub(crate) length: u8,
    /// Which of them is the percentage.
    pub(crate) at: usize,
}

impl BatteryRead {
    /// The standard Bluetooth battery level characteristic: one byte.
    pub(crate) const BLE: Self = Self { endpoint: Endpoint::RxBleBattery, length: 1, at: 0 };

    /// The plan of a `Read`; only batteries can be read.
    pub(crate) fn plan(
        &self,
        feature: &Feature,
        input: InputType,
    ) -> Result<InputPlan, ProtocolError> {
        if input != InputType::Battery {
            return Err(ProtocolError::UnsupportedInput { feature: feature.index, input });
        }
        Ok(InputPlan {
            commands: vec![HardwareCommand::read(self.endpoint, self.length.into(), READ_TIMEOUT)],
            reply: Some(ReplyWait::ReadResult),
        })
    }

    /// The reading in an answer of the expected length with a percentage of at most 100.
    pub(crate) fn parse(
        &self,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        if input != InputType::Battery
            || endpoint != self.endpoint
            || data.len() != usize::from(self.length)
        {
            return None;
        }
        let value = *data.get(self.at)?;
        (value <= 100).then_some(Reading::Battery(ReadingValue { value }))
    }
}

/// AES-128 in ECB mode with PKCS#7 padding, which the encrypted firmwares of several makers use
/// with a key fixed per protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EcbKey(pub(crate) [u8; 16]);

impl EcbKey {
    const BLOCK: usize = 16;

    /// `data`, padded and encrypted: one to sixteen bytes longer, in whole blocks.
    pub(crate) fn encrypt(&self, data: &[u8]) -> Vec<u8> {
        let cipher = Aes128::new(&GenericArray::from(self.0));
        let padding = Self::BLOCK - data.len() % Self::BLOCK;
        let mut out = data.to_vec();
        // `padding` is 1 to 16, so the byte conversion cannot fail.
        out.resize(data.len() + padding, u8::try_from(padding).unwrap_or(0));
        for block in out.chunks_exact_mut(Self::BLOCK) {
            cipher.encrypt_block(GenericArray::from_mut_slice(block));
        }
        out
    }

    /// The plain bytes of `data`; `None` unless it is whole blocks with valid padding.
    pub(crate) fn decrypt(&self, data: &[u8]) -> Option<Vec<u8>> {
        if data.is_empty() || !data.len().is_multiple_of(Self::BLOCK) {
            return None;
        }
        let cipher = Aes128::new(&GenericArray::from(self.0));
        let mut out = data.to_vec();
        for block in out.chunks_exact_mut(Self::BLOCK) {
            cipher.decrypt_block(GenericArray::from_mut_slice(block));
        }
        let padding = *out.last()?;
        let kept = out.len().checked_sub(usize::from(padding))?;
        let valid = (1..=16).contains(&padding)
            && out.get(kept..).is_some_and(|tail| tail.iter().all(|byte| *byte == padding));
        valid.then(|| {
            out.truncate(kept);
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use bpio_hardware::Endpoint;
    use bpio_protocol::v4::{InputType, OutputType, Reading, ReadingValue};

    use super::{BatteryRead, Levels, level_of};
    use crate::error::ProtocolError;
    use crate::protocol::HwOutput;

    #[test]
    fn a_battery_answer_must_fit() {
        let ble = BatteryRead::BLE;
        let battery = |value| Some(Reading::Battery(ReadingValue { value }));
        assert_eq!(ble.parse(InputType::Battery, Endpoint::RxBleBattery, &[100]), battery(100));
        assert_eq!(ble.parse(InputType::Battery, Endpoint::RxBleBattery, &[101]), None);
        assert_eq!(ble.parse(InputType::Battery, Endpoint::RxBleBattery, &[]), None);
        assert_eq!(ble.parse(InputType::Battery, Endpoint::RxBleBattery, &[1, 2]), None);
        assert_eq!(ble.parse(InputType::Battery, Endpoint::Rx, &[50]), None);
        assert_eq!(ble.parse(InputType::Pressure, Endpoint::RxBleBattery, &[50]), None);
    }

    #[test]
    fn levels_take_a_batch_whole_or_not_at_all() {
        let mut levels = Levels::new(2);
        let vibrate = |value| HwOutput::new(OutputType::Vibrate, value);
        let vibrators = level_of(&[OutputType::Vibrate]);
        levels.apply(&[(0, vibrate(5)), (1, vibrate(6))], &vibrators).unwrap();
        assert_eq!(levels.values(), [5, 6]);
        let refused = levels.apply(&[(0, vibrate(9)), (2, vibrate(1))], &vibrators);
        assert_eq!(refused, Err(ProtocolError::UnknownFeature(2)));
        let refused = levels.apply(&[(0, vibrate(9)), (1, vibrate(256))], &vibrators);
        assert!(matches!(refused, Err(ProtocolError::ValueOutOfRange { feature: 1, .. })));
        let refused = levels.apply(&[(0, vibrate(9))], level_of(&[OutputType::Rotate]));
        assert!(matches!(refused, Err(ProtocolError::UnsupportedOutput { feature: 0, .. })));
        assert_eq!(levels.values(), [5, 6], "nothing of a refused batch is kept");
        assert!(levels.any_running());
    }
}
