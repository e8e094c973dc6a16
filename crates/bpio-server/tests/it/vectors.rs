//! The protocol byte vectors of `bpio-device-protocols/test_data` (every file, walked, no hand
//! list), replayed through the whole server path: a v4 JSON client on `serve_client`, the
//! session, the device hub's admission and handshake, the device task with its timing-gap
//! scheduler, down to a scripted device.
//!
//! The scripted `HardwareManager` / `DeviceConnector` / `Hardware` below stand at the OS boundary: they
//! report the vector's device identity as a `FoundDevice`, play the vector's init exchange
//! (checking every host command in order, answering with the vector's replies and
//! notifications through the `EventSink`), log every command the server sends afterwards, and
//! answer reads with the replies of the step under test. The mirror types of the vector format
//! are the protocol crate's own, included by `#[path]`.
//!
//! Time: the tokio clock is paused. A step's expected commands are waited for by advancing the
//! clock a millisecond at a time, so the protocol's own timer (`timer = true` steps) and the
//! keep-alive (`keepalive = true` steps) are driven by the server itself, not called directly.

#[path = "../../../bpio-device-protocols/tests/it/vector_format.rs"]
mod vector_format;

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    DeviceConnector, Endpoint, EventSink, FoundDevice, Hardware, HardwareCommand, HardwareEvent,
    HardwareManager, HwError, ManagerEvent, Specialization,
};
use bpio_server::SessionConfig;
use bpio_server::runtime::{DeviceHub, ManagerFactory, serve_client};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use self::vector_format::{
    ClientV, Exchange, StepV, VectorFile, advertisement, device_config, device_endpoints,
    expected_commands, load, reading, to_exchange, vector_files,
};
use crate::{Client, Pipe};

/// What the scripted device has been told to do, and what it saw.
#[derive(Debug, Default)]
struct Script {
    /// The init exchange still to play.
    init: VecDeque<Exchange>,
    /// Every command the server sent, reads with a zero timeout (a read's timeout is the
    /// protocol's business and not part of the vectors).
    log: Vec<HardwareCommand>,
    /// Answers for the reads of the current step.
    replies: VecDeque<Vec<u8>>,
    /// Where the device's notifications go, once connected.
    events: Option<EventSink<HardwareEvent>>,
    /// Departures from the script, reported by the test.
    problems: Vec<String>,
}

type Shared = Arc<Mutex<Script>>;

#[derive(Debug)]
struct ScriptedManager {
    events: EventSink<ManagerEvent>,
    found: Mutex<Option<FoundDevice>>,
}

#[async_trait]
impl HardwareManager for ScriptedManager {
    fn name(&self) -> &'static str {
        "vector"
    }

    async fn start_scanning(&self) -> Result<(), HwError> {
        if let Some(found) = self.found.lock().unwrap().take() {
            let _ = self.events.send(ManagerEvent::Found(found));
        }
        let _ = self.events.send(ManagerEvent::ScanningFinished);
        Ok(())
    }

    async fn stop_scanning(&self) -> Result<(), HwError> {
        Ok(())
    }
}

#[derive(Debug)]
struct ScriptedConnector {
    hardware: ScriptedHardware,
}

#[async_trait]
impl DeviceConnector for ScriptedConnector {
    async fn connect(
        self: Box<Self>,
        _specialization: Specialization,
        events: EventSink<HardwareEvent>,
    ) -> Result<Arc<dyn Hardware>, HwError> {
        self.hardware.script.lock().unwrap().events = Some(events);
        Ok(Arc::new(self.hardware))
    }
}

#[derive(Debug)]
struct ScriptedHardware {
    name: String,
    address: String,
    endpoints: Vec<Endpoint>,
    /// The vector has `keepalive` steps: ask for the protocol's backend-only keep-alive.
    keepalive: bool,
    script: Shared,
}

impl ScriptedHardware {
    fn perform(&self, command: HardwareCommand) -> Result<Vec<u8>, HwError> {
        let mut guard = self.script.lock().unwrap();
        let script = &mut *guard;
        script.log.push(command.clone());
        let is_read = matches!(command, HardwareCommand::Read { .. });
        if script.init.is_empty() {
            if !is_read {
                return Ok(Vec::new());
            }
            return script.replies.pop_front().ok_or_else(|| {
                script.problems.push(format!("{command:?}: the step has no reply for it"));
                HwError::Timeout
            });
        }
        match script.init.pop_front() {
            Some(Exchange::Expect(expected)) if expected == command => {}
            other => {
                script.problems.push(format!("init: host sent {command:?}, script had {other:?}"));
                return Err(HwError::Unsupported("not in the vector's init"));
            }
        }
        let mut answer = Vec::new();
        if is_read {
            match script.init.pop_front() {
                Some(Exchange::Reply(data)) => answer = data,
                other => {
                    script.problems.push(format!("init: a read needs a reply, found {other:?}"));
                    return Err(HwError::Timeout);
                }
            }
        }
        // What the device does in answer: notifications now, silence by doing nothing.
        while let Some(Exchange::Notify(..) | Exchange::Silence) = script.init.front() {
            if let Some(Exchange::Notify(endpoint, data)) = script.init.pop_front()
                && let Some(events) = &script.events
            {
                let _ = events.send(HardwareEvent::Notification { endpoint, data });
            }
        }
        Ok(answer)
    }
}

#[async_trait]
impl Hardware for ScriptedHardware {
    fn name(&self) -> &str {
        &self.name
    }

    fn address(&self) -> &str {
        &self.address
    }

    fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    fn requires_keepalive(&self) -> bool {
        self.keepalive
    }

    async fn write(
        &self,
        endpoint: Endpoint,
        data: &[u8],
        with_response: bool,
    ) -> Result<(), HwError> {
        let command = HardwareCommand::Write { endpoint, data: data.to_vec(), with_response };
        self.perform(command).map(drop)
    }

    async fn read(
        &self,
        endpoint: Endpoint,
        length: u32,
        _timeout: Duration,
    ) -> Result<Vec<u8>, HwError> {
        self.perform(HardwareCommand::read(endpoint, length, Duration::ZERO))
    }

    async fn subscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.perform(HardwareCommand::subscribe(endpoint)).map(drop)
    }

    async fn unsubscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.perform(HardwareCommand::unsubscribe(endpoint)).map(drop)
    }

    async fn disconnect(&self) -> Result<(), HwError> {
        if let Some(events) = &self.script.lock().unwrap().events {
            let _ = events.send(HardwareEvent::Disconnected);
        }
        Ok(())
    }
}

/// The step's client message as real v4 JSON for device `index` (`Id` is the client's).
fn client_json(message: &ClientV, index: u64) -> Value {
    match message {
        ClientV::OutputCmd(cmd) => {
            let command: serde_json::Map<String, Value> = cmd
                .command
                .iter()
                .map(|(name, params)| {
                    let mut body = json!({"Value": params.value});
                    if let Some(duration) = params.duration {
                        body["Duration"] = json!(duration);
                    }
                    (name.clone(), body)
                })
                .collect();
            json!({"OutputCmd": {"DeviceIndex": index, "FeatureIndex": cmd.feature_index, "Command": command}})
        }
        ClientV::InputCmd(cmd) => json!({"InputCmd": {
            "DeviceIndex": index,
            "FeatureIndex": cmd.feature_index,
            "Type": cmd.input_type,
            "Command": cmd.command,
        }}),
        ClientV::StopCmd(cmd) => {
            let mut body = json!({"DeviceIndex": index});
            if let Some(feature) = cmd.feature_index {
                body["FeatureIndex"] = json!(feature);
            }
            if let Some(inputs) = cmd.inputs {
                body["Inputs"] = json!(inputs);
            }
            if let Some(outputs) = cmd.outputs {
                body["Outputs"] = json!(outputs);
            }
            json!({"StopCmd": body})
        }
    }
}

/// Everything the server has sent so far, without waiting.
fn received(client: &mut Client) -> Vec<Value> {
    let mut messages = Vec::new();
    while let Ok(Some(text)) = client.from_server.try_recv() {
        let mut frame: Value = serde_json::from_str(&text).unwrap();
        messages.push(frame[0].take());
    }
    messages
}

fn id_of(message: &Value) -> u64 {
    message.as_object().and_then(|m| m.values().next()).and_then(|b| b["Id"].as_u64()).unwrap_or(0)
}

/// An `InputReading` as `(feature, type, value)`.
fn reading_of(message: &Value) -> Option<(u32, String, i64)> {
    let body = message.get("InputReading")?;
    let (name, value) = body["Reading"].as_object()?.iter().next()?;
    let feature = u32::try_from(body["FeatureIndex"].as_u64()?).ok()?;
    Some((feature, name.clone(), value["Value"].as_i64()?))
}

fn show(commands: &[HardwareCommand]) -> String {
    let items: Vec<String> = commands
        .iter()
        .map(|command| match command {
            HardwareCommand::Write { endpoint, data, with_response } => {
                let response = if *with_response { " (with response)" } else { "" };
                match std::str::from_utf8(data) {
                    Ok(text) if text.chars().all(|c| !c.is_control() || c == '\n') => {
                        format!("write {endpoint} {text:?}{response}")
                    }
                    _ => format!("write {endpoint} {data:?}{response}"),
                }
            }
            other => format!("{other:?}"),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// A connected client and scripted device for one vector file.
struct Bench {
    client: Client,
    script: Shared,
    index: u64,
    gap: Duration,
    _stop: watch::Sender<bool>,
}

impl Bench {
    fn log_len(&self) -> usize {
        self.script.lock().unwrap().log.len()
    }

    fn sent_since(&self, from: usize) -> Vec<HardwareCommand> {
        self.script.lock().unwrap().log[from..].to_vec()
    }
}

/// Starts a server whose only hardware is the vector's scripted device, scans, and checks the
/// device is admitted, identified, initialised and listed as the vector says.
async fn connect(path: &Path, file: &VectorFile) -> Result<Bench, String> {
    let config = device_config(path, file)?;
    let script: Shared = Arc::new(Mutex::new(Script {
        init: file.init.iter().map(to_exchange).collect(),
        ..Script::default()
    }));
    let hardware = ScriptedHardware {
        name: file.device.name.clone(),
        address: file.device.address.clone(),
        endpoints: device_endpoints(file)?,
        keepalive: file.steps.iter().any(|step| step.keepalive),
        script: Arc::clone(&script),
    };
    let found = FoundDevice {
        name: file.device.name.clone(),
        address: file.device.address.clone(),
        advertisement: advertisement(&file.device),
        connector: Box::new(ScriptedConnector { hardware }),
    };
    let factory: ManagerFactory = Box::new(move |events| {
        Arc::new(ScriptedManager { events, found: Mutex::new(Some(found)) })
    });
    let hub = DeviceHub::spawn(config, vec![factory]);
    let (to_server, inbound) = mpsc::unbounded_channel();
    let (outbound, from_server) = mpsc::unbounded_channel();
    let (stop_tx, stop) = watch::channel(false);
    let session = SessionConfig::new("vectors");
    tokio::spawn(async move {
        serve_client(Pipe { inbound, outbound, gate: None }, session, &hub, stop).await
    });
    let mut client = Client { to_server, from_server, next_id: 0 };
    client.request(json!({"RequestServerInfo": {"ClientName": "vectors", "ProtocolVersionMajor": 4, "ProtocolVersionMinor": 0}})).await;
    client.request(json!({"StartScanning": {}})).await;
    // The device list reaches the client before ScanningFinished.
    let mut listed = Value::Null;
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let Ok(Some(event)) = tokio::time::timeout_at(deadline, client.next()).await else {
            break;
        };
        if let Some(devices) = event.pointer("/DeviceList/Devices") {
            listed = devices.clone();
        }
        if event.get("ScanningFinished").is_some() {
            break;
        }
    }
    let problems = std::mem::take(&mut script.lock().unwrap().problems);
    if !problems.is_empty() {
        return Err(format!("init: {}", problems.join("; ")));
    }
    let device = match listed.as_object().map(|devices| devices.values().collect::<Vec<_>>()) {
        Some(devices) if devices.len() == 1 => devices[0].clone(),
        _ => return Err(format!("the device was not listed; the list is {listed}")),
    };
    if device["DeviceName"] != json!(file.device.expected_name) {
        return Err(format!(
            "listed as {}, expected {:?}",
            device["DeviceName"], file.device.expected_name
        ));
    }
    {
        let script = script.lock().unwrap();
        let init_commands = file
            .init
            .iter()
            .filter(|item| matches!(to_exchange(item), Exchange::Expect(_)))
            .count();
        if !script.init.is_empty() || script.log.len() != init_commands {
            return Err(format!(
                "init: {} commands sent ({}), {init_commands} expected; left in the script: {:?}",
                script.log.len(),
                show(&script.log),
                script.init
            ));
        }
    }
    let index = device["DeviceIndex"].as_u64().ok_or("no DeviceIndex")?;
    let gap = Duration::from_millis(device["DeviceMessageTimingGap"].as_u64().unwrap_or(0));
    Ok(Bench { client, script, index, gap, _stop: stop_tx })
}

/// Replays one step: sends its client messages, waits for the expected commands (advancing the
/// paused clock), plays the device's answers, and compares commands, replies and readings.
async fn run_step(bench: &mut Bench, step: &StepV) -> Result<(), String> {
    let expected = expected_commands(&step.expect);
    let outputs = step.client.iter().filter(|m| matches!(m, ClientV::OutputCmd(_))).count();
    if !step.client.is_empty() && outputs < 2 {
        // BLE devices have a 75 ms timing gap: an output inside it is held and flushed later,
        // possibly together with the next step's. Letting the gap pass first makes every step's
        // writes its own. A batch (several OutputCmds) is sent without this pause, so its
        // commands meet inside the gap the previous step's dispatch opened and are flushed
        // together, as the vector format says.
        tokio::time::sleep(bench.gap + Duration::from_millis(1)).await;
    }
    let before = bench.log_len();
    {
        let mut script = bench.script.lock().unwrap();
        for item in &step.device {
            if let Exchange::Reply(data) = to_exchange(item) {
                script.replies.push_back(data);
            }
        }
    }
    let mut waiting: BTreeMap<u64, bool> = BTreeMap::new();
    for message in &step.client {
        let is_read = matches!(message, ClientV::InputCmd(cmd) if cmd.command == "Read");
        let id = bench.client.send(client_json(message, bench.index));
        waiting.insert(u64::from(id), is_read);
    }
    let mut messages: Vec<Value> = Vec::new();
    // Wait for the expected commands and every reply but a pending read's; timers and
    // keep-alives fire on their own as the clock moves.
    let patience = if step.keepalive {
        Duration::from_secs(60)
    } else {
        bench.gap * 2 + Duration::from_secs(1)
    };
    let deadline = Instant::now() + patience;
    loop {
        messages.extend(received(&mut bench.client));
        let replied = |id: &u64| messages.iter().any(|m| id_of(m) == *id);
        let replies_in = waiting.iter().all(|(id, is_read)| *is_read || replied(id));
        if (replies_in && bench.log_len() - before >= expected.len()) || Instant::now() >= deadline
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // Anything sent at the same moment, or just after.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let sent = bench.sent_since(before);
    let notifications: Vec<(Endpoint, Vec<u8>)> = step
        .device
        .iter()
        .filter_map(|item| match to_exchange(item) {
            Exchange::Notify(endpoint, data) => Some((endpoint, data)),
            _ => None,
        })
        .collect();
    if !notifications.is_empty() {
        let events = bench.script.lock().unwrap().events.clone().ok_or("not connected")?;
        for (endpoint, data) in notifications {
            let _ = events.send(HardwareEvent::Notification { endpoint, data });
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        messages.extend(received(&mut bench.client));
        let all_replied = waiting.keys().all(|id| messages.iter().any(|m| id_of(m) == *id));
        if all_replied || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    messages.extend(received(&mut bench.client));

    let problems = std::mem::take(&mut bench.script.lock().unwrap().problems);
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    let missing: Vec<&u64> =
        waiting.keys().filter(|id| !messages.iter().any(|m| id_of(m) == **id)).collect();
    if !missing.is_empty() {
        return Err(format!("no reply to message ids {missing:?}; got {messages:?}"));
    }
    let errors: Vec<&Value> = messages.iter().filter(|m| m.get("Error").is_some()).collect();
    match (&step.error, errors.is_empty()) {
        (Some(expected), true) => {
            return Err(format!(
                "expected a refusal ({expected}), the server replied {messages:?}"
            ));
        }
        (None, false) => return Err(format!("unexpected refusal: {errors:?}")),
        (Some(_), false) if !sent.is_empty() => {
            return Err(format!("a refused command sent {}", show(&sent)));
        }
        _ => {}
    }
    if sent != expected {
        return Err(format!("host sent {}, expected {}", show(&sent), show(&expected)));
    }
    let readings: Vec<(u32, String, i64)> = messages.iter().filter_map(reading_of).collect();
    let expected_readings: Vec<(u32, String, i64)> = step.readings.iter().map(reading).collect();
    if readings != expected_readings {
        return Err(format!("readings {readings:?}, expected {expected_readings:?}"));
    }
    Ok(())
}

/// Steps where the server path sends something else than the vector, on purpose: (file, step
/// from 1, the difference). Such a step must still differ in exactly this way, so an entry goes
/// once the behaviour changes; the file's later steps then depend on a state the vector does not
/// describe and are not run, and both are printed.
const KNOWN_DIFFERENCES: &[(&str, usize, &str)] = &[];

/// What became of one file.
struct FileRun {
    passed: usize,
    /// A known difference: (step, steps not run after it).
    known: Option<(usize, usize)>,
}

/// Runs one file; returns how many steps passed, or the first difference.
async fn run_file(path: &Path, name: &str) -> Result<FileRun, String> {
    let file = load(path)?;
    let mut bench = connect(path, &file).await?;
    for (at, step) in file.steps.iter().enumerate() {
        let number = at + 1;
        let known = KNOWN_DIFFERENCES
            .iter()
            .find(|(file, step, _)| *file == name && *step == number)
            .map(|(_, _, difference)| *difference);
        match (run_step(&mut bench, step).await, known) {
            (Ok(()), None) => {}
            (Err(actual), Some(known)) if actual == known => {
                return Ok(FileRun {
                    passed: at,
                    known: Some((number, file.steps.len() - number)),
                });
            }
            (Ok(()), Some(_)) => {
                return Err(format!("step {number} now passes: remove it from KNOWN_DIFFERENCES"));
            }
            (Err(e), _) => return Err(format!("step {number} ({}): {e}", step.note)),
        }
    }
    // Nothing more may follow the last step but keep-alives that repeat the last write (firmware
    // that wants steady traffic hears its last packet again, whatever it was).
    let before = bench.log_len();
    let last = before.checked_sub(1).and_then(|at| bench.sent_since(at).pop());
    tokio::time::sleep(bench.gap + Duration::from_millis(200)).await;
    let trailing = bench.sent_since(before);
    if trailing.iter().any(|command| Some(command) != last.as_ref()) {
        return Err(format!("after the last step the host sent {}", show(&trailing)));
    }
    Ok(FileRun { passed: file.steps.len(), known: None })
}

#[tokio::test(start_paused = true)]
#[allow(clippy::print_stderr)] // The per-file summary is the test's report.
async fn every_vector_file_passes_through_the_server() {
    let root: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../bpio-device-protocols/test_data");
    let mut files = Vec::new();
    vector_files(&root, &mut files);
    assert!(files.len() >= 10, "expected the vector files under {}", root.display());
    let mut failures = Vec::new();
    let mut steps = 0;
    let mut known = 0;
    for path in &files {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        match run_file(path, &name).await {
            Ok(FileRun { passed, known: None }) => {
                steps += passed;
                eprintln!("{name}: {passed} steps through the server, none skipped");
            }
            Ok(FileRun { passed, known: Some((step, not_run)) }) => {
                steps += passed;
                known += 1;
                eprintln!(
                    "{name}: {passed} steps through the server; step {step} differs as listed in \
                     KNOWN_DIFFERENCES, {not_run} later steps not run"
                );
            }
            Err(error) => failures.push(format!("{name}: {error}")),
        }
    }
    eprintln!(
        "{} vector files, {steps} steps passed through the server path, {known} known differences",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} vector files failed through the server:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
