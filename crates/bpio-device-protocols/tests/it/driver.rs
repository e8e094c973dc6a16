//! A synchronous driver: runs a protocol's handshake against a scripted device.

use std::collections::VecDeque;

use bpio_device_protocols::{ProtocolDevice, ProtocolError, Step};
use bpio_hardware::HardwareCommand;

pub(crate) use crate::vector_format::Exchange;

/// Polls handshake steps until `Done`, checking each against `script` (consumed from the
/// front). Fails on the first mismatch.
pub(crate) fn run_handshake(
    device: &mut ProtocolDevice,
    script: &mut VecDeque<Exchange>,
) -> Result<(), String> {
    for _ in 0..1000 {
        let step = device.poll_step().map_err(|e| format!("poll_step: {e}"))?;
        match step {
            Step::Done => return Ok(()),
            Step::Command(command) => {
                let read_endpoint = match &command {
                    HardwareCommand::Read { endpoint, .. } => Some(*endpoint),
                    _ => None,
                };
                match script.pop_front() {
                    Some(Exchange::Expect(expected)) if same_command(&expected, &command) => {}
                    other => return Err(format!("host sent {command:?}, script had {other:?}")),
                }
                if let Some(endpoint) = read_endpoint {
                    match script.pop_front() {
                        Some(Exchange::Reply(data)) => {
                            feed(device.handle_step_data(endpoint, &data))?
                        }
                        other => return Err(format!("read needs a reply, script had {other:?}")),
                    }
                }
            }
            Step::Await { endpoint, .. } => match script.pop_front() {
                Some(Exchange::Notify(from, data)) if from == endpoint => {
                    feed(device.handle_step_data(from, &data))?;
                }
                Some(Exchange::Silence) => feed(device.handle_step_timeout())?,
                other => return Err(format!("host waits on {endpoint}, script had {other:?}")),
            },
        }
    }
    Err("handshake did not finish in 1000 steps".into())
}

fn feed(result: Result<(), ProtocolError>) -> Result<(), String> {
    result.map_err(|e| format!("handshake refused data: {e}"))
}

/// Commands compare equal; a read's timeout is the protocol's business and not compared.
pub(crate) fn same_command(expected: &HardwareCommand, actual: &HardwareCommand) -> bool {
    match (expected, actual) {
        (
            HardwareCommand::Read { endpoint: a, length: la, .. },
            HardwareCommand::Read { endpoint: b, length: lb, .. },
        ) => a == b && la == lb,
        _ => expected == actual,
    }
}
