//! The byte-vector runner: every `test_data/**/*.toml` file, walked (no hand list), run through
//! the protocol state machine. The format is documented in `test_data/README.md`; the types
//! below mirror it and are deliberately not the protocol crates' serde types.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};

use bpio_device_config::DeviceConfig;
use bpio_device_protocols::{DeviceInfo, HwOutput, ProtocolDevice, ReplyWait, registry};
use bpio_hardware::{AdvertisementBuf, Endpoint, HardwareCommand, Uuid};
use bpio_protocol::v4::{InputCommandType, InputType, OutputCommand, OutputType, Reading};
use serde::Deserialize;

use crate::driver::{Exchange, run_handshake, same_command};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    protocol: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    #[serde(default)]
    user_config: Option<String>,
    device: Identity,
    #[serde(default)]
    init: Vec<ExchangeV>,
    #[serde(default)]
    steps: Vec<StepV>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    transport: String,
    name: String,
    address: String,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    manufacturer_data: Vec<CompanyV>,
    #[serde(default)]
    port: Option<String>,
    expected_name: String,
    #[serde(default)]
    expected_identifier: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompanyV {
    company: u16,
    #[serde(default)]
    data: Vec<u8>,
}

/// One host command or device action. Host: `write`, `subscribe`, `unsubscribe`, `read`.
/// Device: `notify`, `reply`, `silence`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeV {
    write: Option<String>,
    subscribe: Option<String>,
    unsubscribe: Option<String>,
    read: Option<String>,
    length: Option<u32>,
    notify: Option<String>,
    reply: Option<bool>,
    silence: Option<bool>,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
    with_response: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepV {
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
    #[serde(default)]
    client: Vec<ClientV>,
    #[serde(default)]
    timer: bool,
    #[serde(default)]
    keepalive: bool,
    #[serde(default)]
    expect: Vec<ExchangeV>,
    #[serde(default)]
    device: Vec<ExchangeV>,
    #[serde(default)]
    readings: Vec<ReadingV>,
    #[serde(default)]
    error: Option<String>,
}

/// A v4 client message for this device (`Id` and `DeviceIndex` are the replayer's).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::enum_variant_names)] // The names are the v4 message names.
enum ClientV {
    OutputCmd(OutputCmdV),
    InputCmd(InputCmdV),
    StopCmd(StopCmdV),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct OutputCmdV {
    feature_index: u32,
    command: BTreeMap<String, ParamsV>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct ParamsV {
    value: i64,
    #[serde(default)]
    duration: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct InputCmdV {
    feature_index: u32,
    #[serde(rename = "Type")]
    input_type: String,
    command: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct StopCmdV {
    #[serde(default)]
    feature_index: Option<u32>,
    #[serde(default)]
    inputs: Option<bool>,
    #[serde(default)]
    outputs: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct ReadingV {
    feature_index: u32,
    reading: BTreeMap<String, ValueV>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct ValueV {
    value: i64,
}

fn data_of(item: &ExchangeV) -> Vec<u8> {
    match (&item.text, &item.bytes) {
        (Some(text), None) => text.as_bytes().to_vec(),
        (None, Some(bytes)) => bytes.clone(),
        (None, None) => Vec::new(),
        _ => panic!("{item:?}: give `text` or `bytes`, not both"),
    }
}

fn endpoint(name: &str) -> Endpoint {
    name.parse().unwrap_or_else(|e| panic!("{e}"))
}

fn to_exchange(item: &ExchangeV) -> Exchange {
    if let Some(name) = &item.write {
        let data = data_of(item);
        return Exchange::Expect(HardwareCommand::Write {
            endpoint: endpoint(name),
            data,
            with_response: item.with_response.unwrap_or(false),
        });
    }
    if let Some(name) = &item.subscribe {
        return Exchange::Expect(HardwareCommand::subscribe(endpoint(name)));
    }
    if let Some(name) = &item.unsubscribe {
        return Exchange::Expect(HardwareCommand::unsubscribe(endpoint(name)));
    }
    if let Some(name) = &item.read {
        let length = item.length.unwrap_or(0);
        return Exchange::Expect(HardwareCommand::read(endpoint(name), length, Default::default()));
    }
    if let Some(name) = &item.notify {
        return Exchange::Notify(endpoint(name), data_of(item));
    }
    if item.reply == Some(true) {
        return Exchange::Reply(data_of(item));
    }
    if item.silence == Some(true) {
        return Exchange::Silence;
    }
    panic!("{item:?}: says neither what the host sends nor what the device does")
}

fn expected_commands(items: &[ExchangeV]) -> Vec<HardwareCommand> {
    items
        .iter()
        .map(|item| match to_exchange(item) {
            Exchange::Expect(command) => command,
            other => panic!("`expect` holds only host commands, found {other:?}"),
        })
        .collect()
}

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

fn reading(expected: &ReadingV) -> (u32, String, i64) {
    let (name, value) = expected.reading.iter().next().expect("a Reading has one key");
    (expected.feature_index, name.clone(), value.value)
}

fn actual_reading(feature: u32, reading: &Reading) -> (u32, String, i64) {
    (feature, reading.input_type().as_str().to_owned(), reading.value())
}

fn advertisement(identity: &Identity) -> AdvertisementBuf {
    match identity.transport.as_str() {
        "btle" => AdvertisementBuf::Btle {
            name: identity.name.clone(),
            manufacturer_data: identity
                .manufacturer_data
                .iter()
                .map(|entry| (entry.company, entry.data.clone()))
                .collect(),
            services: identity.services.iter().map(|s| s.parse::<Uuid>().unwrap()).collect(),
        },
        "serial" => {
            AdvertisementBuf::Serial { port: identity.port.clone().expect("serial needs `port`") }
        }
        "simulated" => AdvertisementBuf::Simulated { identifier: identity.name.clone() },
        "websocket" => AdvertisementBuf::Websocket { identifier: identity.name.clone() },
        other => panic!("transport {other} is not supported by vectors yet"),
    }
}

/// Runs one file; `Err` names the first difference.
fn run_file(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file: VectorFile = toml::from_str(&text).map_err(|e| format!("parse: {e}"))?;
    let mut config = DeviceConfig::embedded().map_err(|e| e.to_string())?;
    if let Some(user) = &file.user_config {
        let user_path = path.parent().unwrap().join(user);
        let json = std::fs::read_to_string(&user_path)
            .map_err(|e| format!("{}: {e}", user_path.display()))?;
        let warnings = config.apply_user_json(&json).map_err(|e| e.to_string())?;
        if !warnings.is_empty() {
            return Err(format!("user config warnings: {warnings:?}"));
        }
    }
    let seen = advertisement(&file.device);
    let candidates = seen.with_view(|view| {
        config.candidates(view).into_iter().map(|c| c.protocol.to_owned()).collect::<Vec<_>>()
    });
    let matched = candidates.iter().find(|name| registry::is_implemented(name));
    if matched != Some(&file.protocol) {
        return Err(format!("device matched {matched:?}, file says {}", file.protocol));
    }
    let info = DeviceInfo { name: &file.device.name, transport: seen.transport() };
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
        produced.extend(
            device.keepalive().ok_or("keepalive step, but the protocol has none")?.commands,
        );
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

fn vector_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            vector_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            found.push(path);
        }
    }
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
