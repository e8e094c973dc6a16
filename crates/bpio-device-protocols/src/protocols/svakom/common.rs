//! What the Svakom protocol versions share: the common packet shape, the keep-alive interval of
//! the firmware that stops without traffic, and [`PairFirmware`], the protocol of the v4 to v6
//! and Barney firmware, whose first two vibrators share one packet.

use std::time::Duration;

use bpio_device_config::Definition;
use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{HwOutput, Keepalive, Protocol};
use crate::protocols::common::{RepeatLast, byte, connection_stop, tx, unsupported};

/// `55 <command> <mode> 00 <on> <speed>`, the packet most Svakom firmware takes: `<on>` is 1 for
/// any speed above 0.
pub(crate) const fn packet(command: u8, mode: u8, speed: u8) -> [u8; 6] {
    [0x55, command, mode, 0x00, if speed > 0 { 1 } else { 0 }, speed]
}

/// `packet` with the trailing zero of the firmware that takes seven bytes.
pub(crate) const fn padded(packet: [u8; 6]) -> [u8; 7] {
    let [a, b, c, d, e, f] = packet;
    [a, b, c, d, e, f, 0x00]
}

/// When the last packet is repeated, for backends that need traffic, by the Svakom firmware that
/// wants it (before any command: the last packet of the stop the reference writes on connecting).
pub(crate) const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);

/// The packet of an output that is not one of the pair's vibrators; refuses what the firmware
/// cannot do.
pub(crate) type OtherFn = fn(u32, &HwOutput) -> Result<[u8; 6], ProtocolError>;

/// How a firmware version differs from the others.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Version {
    /// Packets end with an extra zero (v4, v6).
    pub(crate) padded: bool,
    /// A device with a single vibrator always has it addressed as set 0 (v4, v6); otherwise it
    /// is named as motor 1 while it runs (v5).
    pub(crate) lone_is_set_zero: bool,
    /// The pair packet's `<on>` byte while either vibrator runs: 01, or 03 (Barney).
    pub(crate) on: u8,
    /// The last packet is the keep-alive, when the backend needs traffic (Barney).
    pub(crate) repeats_last: bool,
    /// Every other output.
    pub(crate) other: OtherFn,
}

/// The [`OtherFn`] of firmware whose packet has room for the two vibrators only.
pub(crate) const fn pair_only(feature: u32, command: &HwOutput) -> Result<[u8; 6], ProtocolError> {
    Err(unsupported(feature, command))
}

impl Version {
    /// Seven-byte packets, a lone vibrator always set 0, `<on>` 01, no keep-alive (v4, v6).
    pub(crate) const fn padded(other: OtherFn) -> Self {
        Self { padded: true, lone_is_set_zero: true, on: 0x01, repeats_last: false, other }
    }
}

/// The v4 to v6 and Barney firmware: no handshake, no inputs, identified by the advertised name,
/// writes on `tx` without response.
///
/// Vibrators on features 0 and 1 share `55 03 <which> 00 <on> <speed>`: the faster of the two
/// speeds, `<on>` the version's byte while either runs (0 when both stop), and `<which>` naming
/// the motors that run, 0 both (or none), 1 the first, 2 the second. The protocol remembers
/// both speeds; a batch setting either is one write of this packet, first (its features are the
/// lowest), then one write for each other output.
#[derive(Debug)]
pub(crate) struct PairFirmware {
    version: Version,
    speeds: [u8; 2],
    /// Set 0 always: the definition has one vibrator and the version wants it so.
    lone: bool,
    /// The keep-alive, for versions that repeat their last packet.
    repeat: Option<RepeatLast>,
}

impl PairFirmware {
    /// The protocol `name` of firmware `version` for the device `info`.
    pub(crate) fn create(version: Version) -> Box<Self> {
        let repeat = version.repeats_last.then(|| RepeatLast::new(KEEPALIVE_INTERVAL));
        Box::new(Self { version, speeds: [0, 0], lone: false, repeat })
    }

    fn write(&self, packet: [u8; 6]) -> HardwareCommand {
        if self.version.padded { tx(padded(packet)) } else { tx(packet) }
    }

    fn pair_packet(&self) -> [u8; 6] {
        let [first, second] = self.speeds;
        let which = if self.lone || first == second || (first > 0 && second > 0) {
            0
        } else if first > 0 {
            1
        } else {
            2
        };
        let speed = first.max(second);
        [0x55, 0x03, which, 0x00, if speed > 0 { self.version.on } else { 0x00 }, speed]
    }
}

impl Protocol for PairFirmware {
    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let vibrators = definition
            .features
            .iter()
            .filter(|feature| feature.outputs.contains_key(&OutputType::Vibrate))
            .count();
        self.lone = self.version.lone_is_set_zero && vibrators == 1;
        if self.repeat.is_some() {
            // Only the keep-alive keeps what it writes: the speeds are at rest already.
            let _ = self.encode(&connection_stop(definition), true);
        }
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        // Worked on a copy, kept only when the whole batch encodes.
        let mut speeds = self.speeds;
        let mut pair_changed = false;
        let mut others = Vec::new();
        for (feature, command) in batch {
            let slot = usize::try_from(*feature).ok().and_then(|at| speeds.get_mut(at));
            match (command.output, slot) {
                (OutputType::Vibrate, Some(slot)) => {
                    *slot = byte(*feature, command)?;
                    pair_changed = true;
                }
                _ => others.push((self.version.other)(*feature, command)?),
            }
        }
        self.speeds = speeds;
        let pair = pair_changed.then(|| self.pair_packet());
        let writes: Vec<_> =
            pair.into_iter().chain(others).map(|packet| self.write(packet)).collect();
        if let Some(repeat) = &mut self.repeat {
            repeat.note(&writes);
        }
        Ok(writes)
    }

    fn keepalive(&self) -> Option<Keepalive> {
        self.repeat.as_ref().map(RepeatLast::keepalive)
    }
}
