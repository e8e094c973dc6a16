//! The byte-vector runner: every `test_data/**/*.toml` file, walked (no hand list), run through
//! the protocol state machine. The format is documented in `test_data/README.md`; its mirror
//! types are in `vector_format.rs`, shared with the server's end to end replay.

use std::collections::VecDeque;
use std::path::Path;

use bpio_device_protocols::{DeviceInfo, HwOutput, ProtocolDevice, ReplyWait, registry};
use bpio_hardware::HardwareCommand;
use bpio_protocol::v4::{InputCommandType, InputType, OutputCommand, OutputType, Reading};

use crate::driver::{run_handshake, same_command};
use crate::vector_format::{
    ClientV, Exchange, StepV, advertisement, company_data, device_config, device_endpoints,
    expected_commands, load, reading, to_exchange, vector_files,
};

fn output_type(name: &str) -> OutputType {
    OutputType::ALL
        .into_iter()
        .find(|t| t.as_str() == name)
        .unwrap_or_else(|| panic!("output type {name}"))
}

fn input_type(name: &str) -> InputType {
    InputType::ALL
        .into_iter()
        .find(|t| t.as_str() == name)
        .unwrap_or_else(|| panic!("input type {name}"))
}

fn actual_reading(feature: u32, reading: &Reading) -> (u32, String, i64) {
    (feature, reading.input_type().as_str().to_owned(), reading.value())
}

/// Runs one file; `Err` names the first difference.
fn run_file(path: &Path) -> Result<(), String> {
    let file = load(path)?;
    let config = device_config(path, &file)?;
    let seen = advertisement(&file.device);
    let candidates = seen.with_view(|view| {
        config.candidates(view).into_iter().map(|c| c.protocol.to_owned()).collect::<Vec<_>>()
    });
    let matched = candidates.iter().find(|name| registry::is_implemented(name));
    if matched != Some(&file.protocol) {
        return Err(format!("device matched {matched:?}, file says {}", file.protocol));
    }
    let endpoints = device_endpoints(&file)?;
    let manufacturer_data = company_data(&file.device);
    let info = DeviceInfo {
        name: &file.device.name,
        address: &file.device.address,
        transport: seen.transport(),
        endpoints: &endpoints,
        manufacturer_data: &manufacturer_data,
    };
    let mut device = ProtocolDevice::new(&file.protocol, &info).map_err(|e| e.to_string())?;
    let mut script: VecDeque<Exchange> = file.init.iter().map(to_exchange).collect();
    run_handshake(&mut device, &mut script).map_err(|e| format!("identification: {e}"))?;
    let identifier = device.identifier().map(str::to_owned);
    if let Some(expected) = &file.device.expected_identifier
        && identifier.as_ref() != Some(expected)
    {
        return Err(format!("identifier {identifier:?}, expected {expected}"));
    }
    let resolved = config
        .resolve(&file.device.address, &file.protocol, identifier.as_deref())
        .ok_or("the definition did not resolve")?;
    if resolved.name() != file.device.expected_name {
        return Err(format!(
            "resolved {:?}, expected {:?}",
            resolved.name(),
            file.device.expected_name
        ));
    }
    device.configure(resolved.definition).map_err(|e| e.to_string())?;
    run_handshake(&mut device, &mut script).map_err(|e| format!("init: {e}"))?;
    if !script.is_empty() {
        return Err(format!("init exchange left over: {script:?}"));
    }
    for (at, step) in file.steps.iter().enumerate() {
        run_step(&mut device, step).map_err(|e| format!("step {} ({}): {e}", at + 1, step.note))?;
    }
    Ok(())
}

fn run_step(device: &mut ProtocolDevice, step: &StepV) -> Result<(), String> {
    let mut produced: Vec<HardwareCommand> = Vec::new();
    let mut readings: Vec<(u32, String, i64)> = Vec::new();
    let mut pending_read: Option<(u32, InputType, ReplyWait)> = None;
    let mut outcome: Result<(), String> = Ok(());
    let mut batch: Vec<(u32, HwOutput)> = Vec::new();
    for message in &step.client {
        let result = match message {
            ClientV::OutputCmd(cmd) => {
                let (name, params) = cmd.command.iter().next().ok_or("empty Command")?;
                let command = OutputCommand::new(
                    output_type(name),
                    params.value,
                    params.duration.unwrap_or(0),
                );
                let command = if params.duration.is_none() && command.duration().is_some() {
                    // A HwPositionWithDuration without Duration is a shape error on the wire.
                    return Err("HwPositionWithDuration needs Duration".into());
                } else {
                    command
                };
                device.client_output(cmd.feature_index, &command).map(|output| {
                    batch.retain(|(feature, _)| *feature != cmd.feature_index);
                    batch.push((cmd.feature_index, output));
                })
            }
            ClientV::InputCmd(cmd) => {
                let input = input_type(&cmd.input_type);
                let command = match cmd.command.as_str() {
                    "Read" => InputCommandType::Read,
                    "Subscribe" => InputCommandType::Subscribe,
                    "Unsubscribe" => InputCommandType::Unsubscribe,
                    other => return Err(format!("InputCmd command {other}")),
                };
                device.handle_input(cmd.feature_index, input, command).map(|plan| {
                    produced.extend(plan.commands);
                    pending_read = plan.reply.map(|reply| (cmd.feature_index, input, reply));
                })
            }
            ClientV::StopCmd(cmd) => {
                let mut result = Ok(());
                if cmd.outputs.unwrap_or(true) {
                    let stops = device.stop_outputs(cmd.feature_index);
                    result = device.handle_stop(&stops).map(|commands| produced.extend(commands));
                }
                if result.is_ok() && cmd.inputs.unwrap_or(true) {
                    result = device
                        .unsubscribe_all(cmd.feature_index)
                        .map(|commands| produced.extend(commands));
                }
                result
            }
        };
        if let Err(error) = result {
            outcome = Err(format!("{error:?}"));
            break;
        }
    }
    if outcome.is_ok() && !batch.is_empty() {
        batch.sort_by_key(|(feature, _)| *feature);
        match device.handle_outputs(&batch) {
            Ok(commands) => produced.extend(commands),
            Err(error) => outcome = Err(format!("{error:?}")),
        }
    }
    if step.timer {
        if device.poll_timer().is_none() {
            return Err("timer step, but the protocol's timer is not armed".into());
        }
        produced.extend(device.handle_timer());
    }
    if step.keepalive {
        device.keepalive().ok_or("keepalive step, but the protocol has none")?;
        produced.extend(device.handle_keepalive());
    }
    match (&step.error, outcome) {
        (Some(expected), Err(actual)) => {
            if !actual.starts_with(expected.as_str()) {
                return Err(format!("error {actual}, expected {expected}"));
            }
            if !produced.is_empty() {
                return Err(format!("a refused command produced {produced:?}"));
            }
        }
        (Some(expected), Ok(())) => return Err(format!("expected error {expected}, got none")),
        (None, Err(actual)) => return Err(format!("unexpected error {actual}")),
        (None, Ok(())) => {}
    }
    let expected = expected_commands(&step.expect);
    let same = expected.len() == produced.len()
        && expected.iter().zip(&produced).all(|(e, p)| same_command(e, p));
    if !same {
        return Err(format!("host sent {}, expected {}", show(&produced), show(&expected)));
    }
    for item in &step.device {
        match to_exchange(item) {
            Exchange::Reply(data) => {
                let Some((feature, input, ReplyWait::ReadResult)) = pending_read else {
                    return Err("a `reply` needs a pending read".into());
                };
                let endpoint = match produced.last() {
                    Some(HardwareCommand::Read { endpoint, .. }) => *endpoint,
                    other => return Err(format!("read reply, but the last command was {other:?}")),
                };
                let reading = device
                    .handle_read_data(feature, input, endpoint, &data)
                    .ok_or("read reply did not parse")?;
                readings.push(actual_reading(feature, &reading));
                pending_read = None;
            }
            Exchange::Notify(from, data) => {
                if let Some((feature, input, ReplyWait::Notification { endpoint, .. })) =
                    pending_read
                    && endpoint == from
                    && let Some(reading) = device.handle_read_data(feature, input, from, &data)
                {
                    readings.push(actual_reading(feature, &reading));
                    pending_read = None;
                    continue;
                }
                for (feature, reading) in device.handle_notification(from, &data) {
                    readings.push(actual_reading(feature, &reading));
                }
            }
            other => return Err(format!("`device` holds only notify/reply, found {other:?}")),
        }
    }
    let expected_readings: Vec<_> = step.readings.iter().map(reading).collect();
    if readings != expected_readings {
        return Err(format!("readings {readings:?}, expected {expected_readings:?}"));
    }
    Ok(())
}

fn show(commands: &[HardwareCommand]) -> String {
    let items: Vec<String> = commands
        .iter()
        .map(|command| match command {
            HardwareCommand::Write { endpoint, data, .. } => match std::str::from_utf8(data) {
                Ok(text) if text.chars().all(|c| !c.is_control() || c == '\n') => {
                    format!("write {endpoint} {text:?}")
                }
                _ => format!("write {endpoint} {data:?}"),
            },
            other => format!("{other:?}"),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

#[test]
fn every_vector_file_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data");
    let mut files = Vec::new();
    vector_files(&root, &mut files);
    assert!(files.len() >= 10, "expected the vector files under {}", root.display());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            run_file(path)
                .err()
                .map(|error| format!("{}: {error}", path.strip_prefix(&root).unwrap().display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vector files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
