//! Lovense: ASCII commands ending in `;` on `tx`, replies as notifications on `rx`.
//!
//! Identification subscribes to `rx` and writes `DeviceType;`; the toy answers
//! `<model>:<firmware>:<id>;` (e.g. `P:37:0082059AD3BD;`) and the model letters are the
//! identifier (`EI` with firmware 3 or newer is `EI-FW3`). Without an answer within 500 ms the
//! question is repeated, five times at most; then the advertised name `LVS-<letters><digits>`
//! gives the letters, else the defaults apply.
//!
//! The variant follows the definition's outputs, as the reference implementation chooses it:
//! - Solace (`H`) and Solace Pro (`BA`): stroker. `Oscillate` is `Mply:<speed>:<range>;`
//!   (range 20, or 0 when a Solace stops); `HwPositionWithDuration` is paced by the protocol's
//!   timer, one `FSetSite:<position>;` every 100 ms along the way.
//! - one output: `Vibrate:<v>;` for vibrate and oscillate;
//! - vibrate + constrict (Max): `Vibrate:<v>;` and `Air:Level:<v>;`;
//! - vibrate + rotate (Nora and kin): `Vibrate:<v>;` and `Rotate:<|v|>;`, preceded by
//!   `RotateChange;` whenever the sign changes (the firmware starts clockwise; 0 has no
//!   direction and changes none, so a stop is one write);
//! - three or more motors, or two vibrators next to another output: `Mply:<a>:<b>:...;`, one
//!   value per output feature, so a whole batch is always one write;
//! - otherwise (two outputs, e.g. Edge): `Vibrate1:<v>;`, `Vibrate2:<v>;`. When a batch sets
//!   both vibrators of a two-vibrator toy to the same value, the firmware's `Vibrate:<v>;`
//!   (all motors) bundles it into one write.
//!
//! Battery: write `Battery;`, the toy answers `<percent>;` (some firmware prefixes `s`) on `rx`
//! within 500 ms; other replies (`OK;`) are skipped. The keep-alive, only for backends that
//! need one, repeats `DeviceType;` every 5 s.

use std::fmt::Write as _;
use std::time::Duration;

use bpio_device_config::{Definition, Feature};
use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::{InputType, OutputType, Reading, ReadingValue};

use crate::error::ProtocolError;
use crate::protocol::{
    DeviceInfo, HwOutput, Identifier, InputPlan, Keepalive, KeepaliveWhen, Protocol, ReplyWait,
    Step,
};

/// The database name.
pub(crate) const NAME: &str = "lovense";

const REPLY_TIMEOUT: Duration = Duration::from_millis(500);
const IDENTIFY_RETRIES: u8 = 5;
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
const STROKER_TICK: Duration = Duration::from_millis(100);

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(Lovense {
        name: info.name.to_owned(),
        identify: Identify::Subscribe,
        identifier: None,
        variant: Variant::Single,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identify {
    Subscribe,
    Ask { timeouts: u8 },
    Wait { timeouts: u8 },
    Done,
}

#[derive(Debug)]
enum Variant {
    Single,
    Max,
    RotateVibrator { clockwise: bool },
    Multi { values: Vec<(u32, u32)> },
    Dual { vibrators: Vec<u32> },
    Stroker(Stroker),
}

#[derive(Debug, Default)]
struct Stroker {
    zero_range_on_stop: bool,
    current: i32,
    goal: i32,
    step: i32,
}

#[derive(Debug)]
struct Lovense {
    name: String,
    identify: Identify,
    identifier: Option<String>,
    variant: Variant,
}

impl Lovense {
    fn identify_by_name(&mut self) {
        let letters: String = self
            .name
            .strip_prefix("LVS-")
            .map(|rest| rest.chars().take_while(char::is_ascii_uppercase).collect())
            .unwrap_or_default();
        let digits_follow = self
            .name
            .get(4 + letters.len()..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c.is_ascii_digit());
        self.identifier = (!letters.is_empty() && digits_follow).then_some(letters);
    }
}

/// The identifier in a `DeviceType;` answer.
fn model_from_reply(text: &str) -> String {
    let mut parts = text.split(':');
    let model = parts.next().unwrap_or_default();
    let Some(version) = parts.next() else {
        tracing::warn!(protocol = NAME, "DeviceType answer without a firmware version");
        return NAME.to_owned();
    };
    let version: i64 = version.parse().unwrap_or(0);
    if model == "EI" && version >= 3 { "EI-FW3".to_owned() } else { model.to_owned() }
}

fn text_write(text: impl Into<String>) -> HardwareCommand {
    HardwareCommand::write(Endpoint::Tx, text.into().into_bytes())
}

fn has(feature: &Feature, kind: OutputType) -> bool {
    feature.outputs.contains_key(&kind)
}

impl Protocol for Lovense {
    fn poll_step(&mut self) -> Result<Step, ProtocolError> {
        Ok(match self.identify {
            Identify::Subscribe => {
                self.identify = Identify::Ask { timeouts: 0 };
                Step::Command(HardwareCommand::subscribe(Endpoint::Rx))
            }
            Identify::Ask { timeouts } => {
                self.identify = Identify::Wait { timeouts };
                Step::Command(text_write("DeviceType;"))
            }
            Identify::Wait { .. } => Step::Await { endpoint: Endpoint::Rx, timeout: REPLY_TIMEOUT },
            Identify::Done => Step::Done,
        })
    }

    fn handle_step_data(&mut self, endpoint: Endpoint, data: &[u8]) -> Result<(), ProtocolError> {
        if !matches!(self.identify, Identify::Wait { .. }) || endpoint != Endpoint::Rx {
            return Ok(());
        }
        let text = std::str::from_utf8(data).map_err(|_| ProtocolError::BadReply {
            protocol: NAME,
            reason: "DeviceType answer is not UTF-8",
        })?;
        let model = model_from_reply(text);
        tracing::debug!(protocol = NAME, model = %model, "identified");
        self.identifier = Some(model);
        self.identify = Identify::Done;
        Ok(())
    }

    fn handle_step_timeout(&mut self) -> Result<(), ProtocolError> {
        if let Identify::Wait { timeouts } = self.identify {
            let timeouts = timeouts.saturating_add(1);
            if timeouts > IDENTIFY_RETRIES {
                tracing::warn!(protocol = NAME, "no DeviceType answer; identifying by name");
                self.identify_by_name();
                self.identify = Identify::Done;
            } else {
                self.identify = Identify::Ask { timeouts };
            }
        }
        Ok(())
    }

    fn identifier(&self) -> Identifier<'_> {
        Identifier::found(self.identifier.as_deref())
    }

    fn configure(&mut self, definition: &Definition) -> Result<(), ProtocolError> {
        let outputs: Vec<&Feature> =
            definition.features.iter().filter(|feature| !feature.outputs.is_empty()).collect();
        let count = |kind| outputs.iter().filter(|feature| has(feature, kind)).count();
        let vibrators = outputs
            .iter()
            .filter(|f| has(f, OutputType::Vibrate) || has(f, OutputType::Oscillate))
            .count();
        let vibrate = count(OutputType::Vibrate);
        let identifier = self.identifier.as_deref();
        self.variant = if matches!(identifier, Some("BA" | "H")) {
            Variant::Stroker(Stroker {
                zero_range_on_stop: identifier == Some("H"),
                ..Stroker::default()
            })
        } else if outputs.len() == 1 {
            Variant::Single
        } else if outputs.len() == 2 && vibrate == 1 && count(OutputType::Constrict) == 1 {
            Variant::Max
        } else if outputs.len() == 2 && vibrate == 1 && count(OutputType::Rotate) == 1 {
            Variant::RotateVibrator { clockwise: true }
        } else if (vibrators == 2 && outputs.len() > 2) || vibrators > 2 {
            Variant::Multi { values: outputs.iter().map(|feature| (feature.index, 0)).collect() }
        } else {
            let vibrators = outputs
                .iter()
                .filter(|feature| has(feature, OutputType::Vibrate))
                .map(|feature| feature.index)
                .collect();
            Variant::Dual { vibrators }
        };
        tracing::debug!(protocol = NAME, variant = ?self.variant, "configured");
        Ok(())
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        let refuse =
            |feature: u32, output| Err(ProtocolError::UnsupportedOutput { feature, output });
        let mut writes = Vec::new();
        match &mut self.variant {
            Variant::Single | Variant::Max => {
                for (feature, command) in batch {
                    let text = match command.output {
                        OutputType::Vibrate | OutputType::Oscillate => {
                            format!("Vibrate:{};", command.value)
                        }
                        OutputType::Constrict => format!("Air:Level:{};", command.value),
                        output => return refuse(*feature, output),
                    };
                    writes.push(text_write(text));
                }
            }
            Variant::RotateVibrator { clockwise } => {
                let mut direction = *clockwise;
                for (feature, command) in batch {
                    match command.output {
                        OutputType::Vibrate => {
                            writes.push(text_write(format!("Vibrate:{};", command.value)))
                        }
                        OutputType::Rotate => {
                            if command.value != 0 && (command.value > 0) != direction {
                                direction = command.value > 0;
                                writes.push(text_write("RotateChange;"));
                            }
                            writes.push(text_write(format!(
                                "Rotate:{};",
                                command.value.unsigned_abs()
                            )));
                        }
                        output => return refuse(*feature, output),
                    }
                }
                *clockwise = direction;
            }
            Variant::Multi { values } => {
                let mut updated = values.clone();
                for (feature, command) in batch {
                    match updated.iter_mut().find(|(index, _)| index == feature) {
                        Some((_, value)) => *value = command.value.unsigned_abs(),
                        None => return refuse(*feature, command.output),
                    }
                }
                *values = updated;
                let mut text = String::from("Mply");
                for (_, value) in values.iter() {
                    let _ = write!(text, ":{value}");
                }
                text.push(';');
                writes.push(text_write(text));
            }
            Variant::Dual { vibrators } => {
                let all_vibrate = batch.len() == 2
                    && vibrators.len() == 2
                    && batch.iter().all(|(feature, command)| {
                        command.output == OutputType::Vibrate && vibrators.contains(feature)
                    });
                let same = batch.windows(2).all(|pair| match pair {
                    [(_, a), (_, b)] => a.value == b.value,
                    _ => true,
                });
                if let (true, true, Some((_, first))) = (all_vibrate, same, batch.first()) {
                    writes.push(text_write(format!("Vibrate:{};", first.value)));
                } else {
                    for (feature, command) in batch {
                        match command.output {
                            OutputType::Vibrate | OutputType::Oscillate => {
                                let motor = feature.saturating_add(1);
                                writes
                                    .push(text_write(format!("Vibrate{motor}:{};", command.value)));
                            }
                            output => return refuse(*feature, output),
                        }
                    }
                }
            }
            Variant::Stroker(stroker) => {
                for (feature, command) in batch {
                    match (command.output, command.duration) {
                        (OutputType::Oscillate, _) => {
                            if command.value == 0 {
                                stroker.goal = stroker.current;
                            }
                            let range = if command.value == 0 && stroker.zero_range_on_stop {
                                0
                            } else {
                                20
                            };
                            writes.push(text_write(format!("Mply:{}:{range};", command.value)));
                        }
                        (OutputType::HwPositionWithDuration, Some(ms)) => {
                            stroker.aim(command.value, ms);
                            writes.extend(stroker.advance());
                        }
                        (output, _) => return refuse(*feature, output),
                    }
                }
            }
        }
        Ok(writes)
    }

    fn read(&mut self, feature: &Feature, input: InputType) -> Result<InputPlan, ProtocolError> {
        if input != InputType::Battery {
            return Err(ProtocolError::UnsupportedInput { feature: feature.index, input });
        }
        Ok(InputPlan {
            commands: vec![text_write("Battery;")],
            reply: Some(ReplyWait::Notification { endpoint: Endpoint::Rx, timeout: REPLY_TIMEOUT }),
        })
    }

    fn subscribe(
        &mut self,
        feature: &Feature,
        input: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        Err(ProtocolError::UnsupportedInput { feature: feature.index, input })
    }

    fn unsubscribe(
        &mut self,
        _: &Feature,
        _: InputType,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        Ok(Vec::new())
    }

    fn parse_reading(
        &mut self,
        _: u32,
        input: InputType,
        endpoint: Endpoint,
        data: &[u8],
    ) -> Option<Reading> {
        if input != InputType::Battery || endpoint != Endpoint::Rx {
            return None;
        }
        let text = std::str::from_utf8(data).ok()?.strip_suffix(';')?;
        let digits = text.strip_prefix('s').unwrap_or(text);
        let value: u8 = digits.parse().ok()?;
        (value <= 100).then_some(Reading::Battery(ReadingValue { value }))
    }

    fn keepalive(&self) -> Option<Keepalive> {
        Some(Keepalive {
            interval: KEEPALIVE_INTERVAL,
            commands: vec![text_write("DeviceType;")],
            when: KeepaliveWhen::BackendRequires,
        })
    }

    fn poll_timer(&self) -> Option<Duration> {
        match &self.variant {
            Variant::Stroker(stroker) if stroker.current != stroker.goal => Some(STROKER_TICK),
            _ => None,
        }
    }

    fn handle_timer(&mut self) -> Vec<HardwareCommand> {
        match &mut self.variant {
            Variant::Stroker(stroker) => stroker.advance().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

impl Stroker {
    /// Plans a movement to `goal` in `duration_ms`, in 100 ms steps.
    fn aim(&mut self, goal: i32, duration_ms: u32) {
        self.goal = goal;
        let steps = i32::try_from((duration_ms / 100).max(1)).unwrap_or(i32::MAX);
        let distance = goal.saturating_sub(self.current);
        self.step = distance / steps;
        if self.step == 0 {
            self.step = distance.signum();
        }
    }

    /// One step towards the goal, never past it.
    fn advance(&mut self) -> Option<HardwareCommand> {
        if self.current == self.goal {
            return None;
        }
        let next = self.current.saturating_add(self.step);
        self.current = if self.step < 0 { next.max(self.goal) } else { next.min(self.goal) };
        Some(text_write(format!("FSetSite:{};", self.current)))
    }
}
