//! The `lovense-connect-service` protocol: toys driven through the Lovense Connect app's local
//! HTTP API. The hardware (`bpio-hw-lovense-connect`) sends each text written to `tx` as
//! `GET http://<app>/<text>`, and answers a read of `rx` with the battery level the app
//! reported last, as one byte.
//!
//! Identification: the toy type the app reports (`Lush`, `Edge`, `XMachine`) is the name, which
//! the configurations' identifiers list. Every command names the toy by its address, the app's
//! toy id (`t=`). Per feature, one command:
//! - Vibrate: `Vibrate<feature + 1>?v=<0-20>&t=<toy>` (`Vibrate1` for a toy with one motor);
//! - Rotate: `Rotate?v=<speed>&t=<toy>`, the speed without its sign; the app keeps the direction
//!   and `RotateChange?t=<toy>` flips it, sent first whenever the sign differs from the direction
//!   last asked for (clockwise, the toy's power-on direction, to begin with; 0 keeps it);
//! - Oscillate: `Thrusting?v=<0-20>&t=<toy>` (sex machine, Gravity, Solace);
//! - Constrict: `AirAuto?v=<0-3>&t=<toy>` (the Max's air pump).
//!
//! The Solace is set to full depth once connected: `Depth?v=3&t=<toy>`.
//!
//! Where this departs from the reference: it sends a machine that only oscillates (the sex
//! machine) `AirAuto` and the Max's air pump nothing at all, leftovers of the renaming of output
//! types; here each goes to the command the app has for it.

use bpio_hardware::{Endpoint, HardwareCommand};
use bpio_protocol::v4::OutputType;

use crate::error::ProtocolError;
use crate::protocol::{DeviceInfo, HwOutput, Protocol};
use crate::protocols::common::{BatteryRead, byte, magnitude, unsupported};

/// The database name.
pub(crate) const NAME: &str = "lovense-connect-service";

/// The battery level, as the hardware gives it.
const BATTERY: BatteryRead = BatteryRead { endpoint: Endpoint::Rx, length: 1, at: 0 };

pub(crate) fn create(info: &DeviceInfo<'_>) -> Box<dyn Protocol> {
    Box::new(LovenseConnectService {
        toy: query_value(info.address),
        solace: info.name == "Solace",
        clockwise: true,
    })
}

#[derive(Debug)]
struct LovenseConnectService {
    /// The toy id, ready for a query string.
    toy: String,
    solace: bool,
    /// The rotation direction last asked for.
    clockwise: bool,
}

impl LovenseConnectService {
    fn command(&self, text: String) -> HardwareCommand {
        HardwareCommand::write(Endpoint::Tx, format!("{text}&t={}", self.toy))
    }
}

impl Protocol for LovenseConnectService {
    fn init(&self) -> Vec<HardwareCommand> {
        if self.solace { vec![self.command("Depth?v=3".to_owned())] } else { Vec::new() }
    }

    fn encode(
        &mut self,
        batch: &[(u32, HwOutput)],
        _stop: bool,
    ) -> Result<Vec<HardwareCommand>, ProtocolError> {
        // The direction changes only once the whole batch is accepted.
        let mut clockwise = self.clockwise;
        let mut commands = Vec::with_capacity(batch.len());
        for (feature, output) in batch {
            match output.output {
                OutputType::Vibrate => {
                    let motor = feature.saturating_add(1);
                    let level = byte(*feature, output)?;
                    commands.push(self.command(format!("Vibrate{motor}?v={level}")));
                }
                OutputType::Rotate => {
                    let speed = magnitude(*feature, output)?;
                    let wanted = match output.value {
                        0 => clockwise,
                        value => value > 0,
                    };
                    if wanted != clockwise {
                        clockwise = wanted;
                        let toggle = format!("RotateChange?t={}", self.toy);
                        commands.push(HardwareCommand::write(Endpoint::Tx, toggle));
                    }
                    commands.push(self.command(format!("Rotate?v={speed}")));
                }
                OutputType::Oscillate => {
                    let level = byte(*feature, output)?;
                    commands.push(self.command(format!("Thrusting?v={level}")));
                }
                OutputType::Constrict => {
                    let level = byte(*feature, output)?;
                    commands.push(self.command(format!("AirAuto?v={level}")));
                }
                _ => return Err(unsupported(*feature, output)),
            }
        }
        self.clockwise = clockwise;
        Ok(commands)
    }

    fn battery(&self) -> Option<BatteryRead> {
        Some(BATTERY)
    }
}

/// `text` percent-encoded for a query value: the app's toy ids are letters and digits, but an
/// id with `&` or `=` must not become another parameter.
fn query_value(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use bpio_hardware::Transport;

    use super::*;

    fn texts(commands: &[HardwareCommand]) -> Vec<String> {
        commands
            .iter()
            .map(|command| match command {
                HardwareCommand::Write { endpoint: Endpoint::Tx, data, .. } => {
                    String::from_utf8(data.clone()).unwrap()
                }
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn the_toy_id_is_one_query_value() {
        let info =
            DeviceInfo { address: "a&b=c d", ..DeviceInfo::new("Lush", Transport::LovenseConnect) };
        let mut protocol = create(&info);
        let commands =
            protocol.encode(&[(0, HwOutput::new(OutputType::Vibrate, 5))], false).unwrap();
        assert_eq!(texts(&commands), ["Vibrate1?v=5&t=a%26b%3Dc%20d"]);
    }

    #[test]
    fn a_refused_batch_keeps_the_rotation_direction() {
        let info =
            DeviceInfo { address: "n1", ..DeviceInfo::new("Nora", Transport::LovenseConnect) };
        let mut protocol = create(&info);
        let batch =
            [(1, HwOutput::new(OutputType::Rotate, -5)), (2, HwOutput::new(OutputType::Led, 1))];
        assert!(protocol.encode(&batch, false).is_err());
        let commands =
            protocol.encode(&[(1, HwOutput::new(OutputType::Rotate, -5))], false).unwrap();
        assert_eq!(texts(&commands), ["RotateChange?t=n1", "Rotate?v=5&t=n1"]);
    }
}
