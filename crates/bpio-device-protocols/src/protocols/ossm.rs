//! Kinky Makers OSSM (BLE): text commands, all written with response, on `tx` but for the speed
//! knob setting on `txmode`. Init subscribes to `rx`, where the machine reports its state.
//!
//! Facts from the reference implementation. The machine runs in one of two modes, each entered
//! through its menu: `go:menu` then `go:strokeEngine` for `Oscillate`, the stroke speed
//! (`set:speed:<0–100>`), and `go:menu` then `go:streaming` for `HwPositionWithDuration`
//! (`stream:<position 0–100>:<ms>`). A command of the other mode (or the first command) enters
//! its mode first, and sets the machine up for us: `false` on `txmode` (the speed knob no
//! longer limits the speed sent), `set:depth:100`, `set:stroke:100`, and for streaming
//! `set:speed:100`. The reference sends that setup when the machine reports the new mode on
//! `rx`; a protocol here cannot answer notifications after init, so the setup follows the
//! switch at once, as in an earlier revision of the reference. A stop is speed 0, so stopping a
//! stream leaves it through the menu.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{out_of_range, tx_acked, unsupported};

/// The database name.
pub(crate) const NAME: &str = "ossm";

pub(crate) fn create(_: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Ossm { mode: None })
}

/// The machine's modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Strokes at a set speed.
    StrokeEngine,
    /// Follows positions.
    Streaming,
}

impl Mode {
    /// The commands that enter the mode from wherever the machine is, and set it up.
    fn enter(self) -> Vec<HardwareCommand> {
        let (name, speed) = match self {
            Self::StrokeEngine => ("go:strokeEngine", None),
            Self::Streaming => ("go:streaming", Some("set:speed:100")),
        };
        let mut commands = vec![
            tx_acked("go:menu"),
            tx_acked(name),
            HardwareCommand::write_with_response(Endpoint::TxMode, *b"false"),
            tx_acked("set:depth:100"),
            tx_acked("set:stroke:100"),
        ];
        commands.extend(speed.map(tx_acked));
        commands
    }
}

#[derive(Debug)]
struct Ossm {
    /// The mode the machine was last sent to; `None` before the first command.
    mode: Option<Mode>,
}

impl Protocol for Ossm {
    fn init(&self) -> Vec<HardwareCommand> {
        vec![HardwareCommand::subscribe(Endpoint::Rx)]
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let mut mode = self.mode;
        let mut writes = Vec::new();
        for (feature, command) in batch {
            let value =
                u32::try_from(command.value).map_err(|_| out_of_range(*feature, command))?;
            let (wanted, text) = match (command.output, command.duration) {
                (OutputType::Oscillate, _) => (Mode::StrokeEngine, format!("set:speed:{value}")),
                (OutputType::HwPositionWithDuration, Some(ms)) => {
                    (Mode::Streaming, format!("stream:{value}:{ms}"))
                }
                _ => return Err(unsupported(*feature, command)),
            };
            if mode != Some(wanted) {
                writes.extend(wanted.enter());
                mode = Some(wanted);
            }
            writes.push(tx_acked(text));
        }
        self.mode = mode;
        Ok(writes)
    }
}
