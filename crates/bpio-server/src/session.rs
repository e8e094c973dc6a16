//! One client session, sans-IO (docs/PROTOCOL.md 3 to 6, 10.3 and 10.5).
//!
//! The session turns client transmissions into replies and device actions. It validates every
//! command against the devices the client was shown and answers each client message exactly
//! once, in arrival order. Work that touches hardware comes out as [`Action`]s for the device
//! layer; a read's reply waits for [`Session::handle_reading`] and holds back later replies so
//! the order is kept. Device changes, readings of subscriptions and scan ends come in through
//! `handle_*` and go out as events with Id 0.
//!
//! The core speaks v4. A client of an older spec version (docs/VERSIONS.md) is served by
//! translation at the edges of the session: its messages are parsed in its version and converted up
//! to v4 commands (several per message at most become one batch with one reply), and every reply
//! and event is converted down to its version on the way out, device-list changes becoming
//! `DeviceAdded`/`DeviceRemoved` against the devices that client was told about.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bpio_protocol::convert::{AnyClientMessage, AnyServerMessage, client_to_v4, server_from_v4};
use bpio_protocol::v4::{self, ClientMessage, ServerMessage};
use bpio_protocol::{
    AnyRequestServerInfo, ClientId, ErrorCode, MessageSet, ParseError, PreHandshake, RawMessage,
    SpecVersion, split_frame,
};
use tracing::debug;

use crate::error::Error;
use crate::index::{DeviceIndex, FeatureIndex};
use crate::request::{DeviceRequest, ReadToken};

/// Settings of a session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// `ServerName` in `ServerInfo`.
    pub server_name: String,
    /// `MaxPingTime`: the client must ping within this; zero disables the watchdog.
    pub max_ping_time: Duration,
    /// Messages handled per transmission; the rest of a longer one is answered with one
    /// `Error` (Id 0, code 3) and not handled, as after a syntax error (docs/PROTOCOL.md 5.3).
    pub max_messages_per_frame: usize,
}

impl SessionConfig {
    /// The default of [`Self::max_messages_per_frame`]: far above what any client batches, low
    /// enough that one transmission can not queue an unbounded amount of work.
    pub const DEFAULT_MAX_MESSAGES_PER_FRAME: usize = 1000;

    /// A configuration named `server_name`, without a ping watchdog, with default limits.
    pub fn new(server_name: impl Into<String>) -> Self {
        Self {
            server_name: server_name.into(),
            max_ping_time: Duration::ZERO,
            max_messages_per_frame: Self::DEFAULT_MAX_MESSAGES_PER_FRAME,
        }
    }
}

/// Work for the device layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start discovery on every backend.
    StartScanning,
    /// Stop discovery; no `ScanningFinished` follows.
    StopScanning,
    /// Work for every connected device, handed to each as it is (a stop for all of them, or the
    /// end of this session).
    EveryDevice {
        /// What each device is to do.
        request: DeviceRequest,
    },
    /// Work for one device, handed to it as it is.
    Device {
        /// Which device.
        device: DeviceIndex,
        /// What the device is to do.
        request: DeviceRequest,
    },
}

/// Where the session is in its life (docs/PROTOCOL.md 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for `RequestServerInfo`.
    AwaitingHandshake,
    /// Handshake done.
    Connected,
    /// The ping watchdog ran out; the transport is to be closed.
    PingedOut,
    /// Ended by `Disconnect`, a refused handshake or the transport closing.
    Closed,
}

/// One client session. See the module documentation.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
    /// The spec version chosen at the handshake (v4 until then).
    version: SpecVersion,
    /// The client's minor version, kept for filtering types of future minors.
    client_minor: u32,
    /// The name the client gave, once its handshake is done.
    client_name: Option<String>,
    ping_deadline: Option<Instant>,
    /// The connected devices, as a list event would carry them (Id 0).
    devices: v4::DeviceList,
    /// Legacy sessions: the device list the client was last told about (docs/VERSIONS.md 11).
    known: v4::DeviceList,
    /// Converted messages not yet polled: one v4 message may become several.
    outbox: VecDeque<AnyServerMessage>,
    /// Replies in arrival order; a read holds its place until its reading arrives.
    replies: VecDeque<Reply>,
    events: VecDeque<ServerMessage>,
    actions: VecDeque<Action>,
    reads: BTreeMap<ReadToken, PendingRead>,
    next_token: u64,
    /// Stop-alls read ahead whose stop was sent at once and that are not handled yet: until
    /// they are, output commands are answered without being carried out (docs/PROTOCOL.md 14.10).
    stops_ahead: usize,
}

#[derive(Debug)]
enum Reply {
    Ready(ServerMessage),
    Waiting(ReadToken),
}

#[derive(Debug, Clone, Copy)]
struct PendingRead {
    id: ClientId,
    device: u32,
    feature: u32,
}

impl Session {
    /// A session waiting for its handshake, knowing the devices currently connected.
    pub fn new(config: SessionConfig, devices: v4::Devices) -> Self {
        Self {
            config,
            state: State::AwaitingHandshake,
            version: SpecVersion::V4,
            client_minor: 0,
            client_name: None,
            ping_deadline: None,
            devices: v4::DeviceList { id: 0, devices },
            known: v4::DeviceList { id: 0, devices: v4::Devices::default() },
            outbox: VecDeque::new(),
            replies: VecDeque::new(),
            events: VecDeque::new(),
            actions: VecDeque::new(),
            reads: BTreeMap::new(),
            next_token: 0,
            stops_ahead: 0,
        }
    }

    /// The session's state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The spec version the client chose (v4 before the handshake).
    pub fn version(&self) -> SpecVersion {
        self.version
    }

    /// The client's minor spec version (0 before the handshake).
    pub fn client_minor(&self) -> u32 {
        self.client_minor
    }

    /// The name the client gave in its handshake; `None` until the handshake is done.
    pub fn client_name(&self) -> Option<&str> {
        self.client_name.as_deref()
    }

    /// Whether the session takes more client input now. `false` while [`Self::MAX_PENDING_READS`]
    /// reads wait for their readings: the driver stops reading the client until some arrive,
    /// which bounds the replies held back behind them.
    pub fn wants_input(&self) -> bool {
        self.reads.len() < Self::MAX_PENDING_READS
    }

    /// Reads that may wait for their readings at once; see [`Self::wants_input`].
    pub const MAX_PENDING_READS: usize = 256;

    /// Whether the transport should be closed once everything polled has been sent.
    pub fn wants_close(&self) -> bool {
        matches!(self.state, State::PingedOut | State::Closed)
    }

    /// Handles one text transmission from the client.
    pub fn handle_text(&mut self, now: Instant, bytes: &[u8]) {
        // Message by message: a handshake early in a frame sets the version of the rest.
        let messages = split_frame(bytes);
        let limit = self.config.max_messages_per_frame;
        let count = messages.len();
        for result in messages.into_iter().take(limit) {
            match result {
                Ok(raw) => self.handle_raw(now, &raw),
                Err(err) => self.handle_parse_error(&err),
            }
        }
        if count > limit {
            let why = format!(
                "a transmission may hold at most {limit} messages; the {} after them were not handled",
                count - limit
            );
            self.reply(error(0, ErrorCode::Msg, &why));
        }
    }

    /// Looks at a transmission that was read while others wait before it (docs/PROTOCOL.md
    /// 14.10). If it holds a stop-all, the stop goes out now, ahead of them, and the output
    /// commands before it are answered but not carried out, since the stop supersedes them.
    /// The transmission is still to be handled in its turn with [`Self::handle_text`], which
    /// answers the stop. Returns whether it held a stop-all.
    pub fn read_ahead(&mut self, bytes: &[u8]) -> bool {
        // Commands name their type, so a transmission without "Stop" holds no stop: most are
        // passed over without being parsed.
        if self.state != State::Connected || memchr::memmem::find(bytes, b"Stop").is_none() {
            return false;
        }
        let stops = split_frame(bytes)
            .iter()
            .take(self.config.max_messages_per_frame)
            .filter(|raw| raw.as_ref().is_ok_and(|raw| self.stops_all(raw)))
            .count();
        if stops == 0 {
            return false;
        }
        self.stops_ahead += stops;
        self.actions
            .push_back(Action::EveryDevice { request: DeviceRequest::Stop { feature: None } });
        true
    }

    /// Whether `raw` is a stop of every device's outputs, in this session's version.
    fn stops_all(&self, raw: &RawMessage<'_>) -> bool {
        if !matches!(raw.name(), "StopCmd" | "StopAllDevices") {
            return false;
        }
        let commands = match AnyClientMessage::parse(self.version, raw) {
            Ok(AnyClientMessage::V4(message)) => vec![message],
            Ok(legacy) => client_to_v4(legacy, &self.devices).unwrap_or_default(),
            Err(_) => return false,
        };
        matches!(
            commands.as_slice(),
            [ClientMessage::StopCmd(stop)] if stop.device_index.is_none() && stop.stops_outputs()
        )
    }

    /// Handles a binary websocket frame, which the protocol does not use.
    pub fn handle_binary(&mut self) {
        self.reply(error(
            0,
            ErrorCode::Msg,
            "binary frames are not part of the protocol; send JSON text",
        ));
    }

    /// Handles the clock reaching [`Self::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state != State::Connected
            || self.ping_deadline.is_none_or(|deadline| now < deadline)
        {
            return;
        }
        debug!("ping timeout");
        self.state = State::PingedOut;
        self.ping_deadline = None;
        self.end_session();
        // Reads still waiting get their one reply before the event.
        for token in std::mem::take(&mut self.reads).into_keys().collect::<Vec<_>>() {
            self.fill(token, error(0, ErrorCode::Ping, "ping timeout"));
        }
        self.events.push_back(error(
            0,
            ErrorCode::Ping,
            "no Ping within MaxPingTime; all devices were stopped",
        ));
    }

    /// Handles the transport going away: what the session runs stops (docs/PROTOCOL.md 14.4),
    /// nothing is sent.
    pub fn handle_transport_closed(&mut self) {
        if matches!(self.state, State::AwaitingHandshake | State::Connected) {
            self.end_session();
        }
        self.state = State::Closed;
        self.reads.clear();
        self.replies.clear();
        self.events.clear();
        self.outbox.clear();
    }

    /// Handles the complete current device list. Sends a `DeviceList` event when it changed,
    /// and ends reads of devices that went away (docs/PROTOCOL.md 10.3, 10.5); their
    /// subscriptions end with them. An event not yet sent is brought up to date rather than
    /// followed by another (docs/PROTOCOL.md 14.8), so a client that reads slowly while many
    /// devices come and go holds one list, not one per change.
    pub fn handle_devices(&mut self, devices: v4::Devices) {
        if Arc::ptr_eq(&devices, &self.devices.devices) || devices == self.devices.devices {
            return;
        }
        if !self.reads.is_empty() {
            self.fail_reads_of_changed(&devices);
        }
        self.devices.devices = devices;
        if self.state == State::Connected {
            let event = ServerMessage::DeviceList(self.devices.clone());
            match self
                .events
                .iter_mut()
                .find(|queued| matches!(queued, ServerMessage::DeviceList(_)))
            {
                Some(queued) => *queued = event,
                None => self.events.push_back(event),
            }
        }
    }

    /// Answers with an error the reads waiting on a device that `devices` lists differently
    /// or not at all.
    fn fail_reads_of_changed(&mut self, devices: &BTreeMap<u32, v4::Device>) {
        let gone = |index: &u32| devices.get(index) != self.devices.devices.get(index);
        let gone: BTreeSet<u32> = self.devices.devices.keys().copied().filter(gone).collect();
        let failed: Vec<ReadToken> = self
            .reads
            .iter()
            .filter(|(_, read)| gone.contains(&read.device))
            .map(|(token, _)| *token)
            .collect();
        for token in failed {
            if let Some(read) = self.reads.remove(&token) {
                let message =
                    format!("device {} disconnected before the reading arrived", read.device);
                self.fill(token, error(read.id.get(), ErrorCode::Device, &message));
            }
        }
    }

    /// Handles the end of a scan that stopped by itself.
    pub fn handle_scanning_finished(&mut self) {
        if self.state == State::Connected {
            self.events.push_back(ServerMessage::ScanningFinished(v4::ScanningFinished { id: 0 }));
        }
    }

    /// Handles the result of a [`DeviceRequest::Read`].
    pub fn handle_reading(&mut self, token: ReadToken, result: Result<v4::Reading, Error>) {
        let Some(read) = self.reads.remove(&token) else { return };
        let reply = match result {
            Ok(reading) => ServerMessage::InputReading(v4::InputReading {
                id: read.id.get(),
                device_index: read.device,
                feature_index: read.feature,
                reading,
            }),
            Err(why) => error(read.id.get(), ErrorCode::Device, &why.to_string()),
        };
        self.fill(token, reply);
    }

    /// Handles a reading of an input this session subscribed to. Devices keep the
    /// subscriptions and send each session only the readings it subscribed to
    /// (docs/PROTOCOL.md 14.6), so the reading is sent.
    pub fn handle_input_event(
        &mut self,
        device: DeviceIndex,
        feature: FeatureIndex,
        reading: v4::Reading,
    ) {
        let (device, feature) = (device.get(), feature.get());
        if self.state == State::Connected {
            self.events.push_back(ServerMessage::InputReading(v4::InputReading {
                id: 0,
                device_index: device,
                feature_index: feature,
                reading,
            }));
        }
    }

    /// The next message to send, in the client's spec version: events first, then replies in
    /// request order.
    pub fn poll_transmit(&mut self) -> Option<AnyServerMessage> {
        if self.version == SpecVersion::V4 {
            return self.poll_v4().map(AnyServerMessage::V4);
        }
        loop {
            if let Some(message) = self.outbox.pop_front() {
                return Some(message);
            }
            let message = self.poll_v4()?;
            let told = match &message {
                ServerMessage::DeviceList(list) if list.id == 0 => Some(list.clone()),
                _ => None,
            };
            self.outbox.extend(server_from_v4(self.version, message, &self.known));
            if let Some(list) = told {
                self.known = list;
            }
        }
    }

    /// The next v4 message of the core.
    fn poll_v4(&mut self) -> Option<ServerMessage> {
        if let Some(event) = self.events.pop_front() {
            return Some(event);
        }
        match self.replies.front() {
            Some(Reply::Ready(_)) => match self.replies.pop_front() {
                Some(Reply::Ready(message)) => Some(message),
                _ => None,
            },
            _ => None,
        }
    }

    /// The next action for the device layer.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`Self::handle_timeout`] must be called: the ping deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.ping_deadline
    }

    fn handle_raw(&mut self, now: Instant, raw: &RawMessage<'_>) {
        if self.state == State::AwaitingHandshake {
            match raw.parse::<PreHandshake>() {
                Ok(PreHandshake::RequestServerInfo(request)) => self.handshake(now, request),
                Ok(PreHandshake::Other(other)) => self.reply(error(
                    other.id,
                    ErrorCode::Init,
                    &format!("{} before RequestServerInfo; the handshake comes first", other.name),
                )),
                Err(err) => self.handle_parse_error(&err),
            }
            return;
        }
        let message = match AnyClientMessage::parse(self.version, raw) {
            Ok(message) => message,
            Err(err) => return self.handle_parse_error(&err),
        };
        let id = message.id();
        match self.state {
            State::PingedOut => {
                self.reply(error(id, ErrorCode::Ping, "the session timed out for lack of Ping"));
            }
            State::Closed | State::AwaitingHandshake => {
                self.reply(error(id, ErrorCode::Init, "the session has ended"));
            }
            State::Connected => match message {
                AnyClientMessage::V4(message) => self.handle_connected(now, message),
                legacy => match client_to_v4(legacy, &self.devices) {
                    Ok(commands) => self.handle_translated(now, id, commands),
                    Err(err) => self.reply(error(err.id, err.code(), &err.to_string())),
                },
            },
        }
    }

    /// Executes the v4 commands one legacy message became, with one reply (docs/VERSIONS.md 12).
    fn handle_translated(&mut self, now: Instant, id: u32, mut commands: Vec<ClientMessage>) {
        if commands.len() <= 1 {
            match commands.pop() {
                Some(command) => self.handle_connected(now, command),
                None => self.reply(ServerMessage::Ok(v4::Ok { id })),
            }
            return;
        }
        // Only output commands address several features at once.
        let outputs: Option<Vec<v4::OutputCmd>> = commands
            .into_iter()
            .map(|command| match command {
                ClientMessage::OutputCmd(cmd) => Some(cmd),
                _ => None,
            })
            .collect();
        match outputs {
            Some(outputs) => self.handle_outputs(id, outputs),
            None => self.reply(error(
                id,
                ErrorCode::Unknown,
                "internal error: a legacy message became commands of several kinds",
            )),
        }
    }

    fn handshake(&mut self, now: Instant, request: AnyRequestServerInfo) {
        let id = request.id().get();
        let handshake = match request.detect() {
            Ok(handshake) => handshake,
            Err(err) => {
                self.reply(error(id, err.code(), &err.to_string()));
                self.state = State::Closed;
                return;
            }
        };
        self.version = handshake.version;
        self.client_minor = handshake.minor;
        self.client_name = Some(handshake.client_name);
        if self.version < SpecVersion::V4 {
            // The client learns the devices present now with RequestDeviceList, not as events.
            self.known = self.devices.clone();
        }
        self.state = State::Connected;
        self.ping_deadline =
            (!self.config.max_ping_time.is_zero()).then(|| now + self.config.max_ping_time);
        debug!(version = %handshake.version, minor = handshake.minor, "handshake");
        self.reply(ServerMessage::ServerInfo(v4::ServerInfo {
            id,
            server_name: self.config.server_name.clone(),
            protocol_version_major: v4::PROTOCOL_VERSION_MAJOR,
            protocol_version_minor: v4::PROTOCOL_VERSION_MINOR,
            max_ping_time: u32::try_from(self.config.max_ping_time.as_millis()).unwrap_or(u32::MAX),
        }));
    }

    fn handle_connected(&mut self, now: Instant, message: ClientMessage) {
        let id = message.id();
        let ok = ServerMessage::Ok(v4::Ok { id });
        match message {
            ClientMessage::RequestServerInfo(_) => {
                self.reply(error(id, ErrorCode::Init, "the handshake is already done"));
            }
            ClientMessage::Ping(_) => {
                if !self.config.max_ping_time.is_zero() {
                    self.ping_deadline = Some(now + self.config.max_ping_time);
                }
                self.reply(ok);
            }
            ClientMessage::Disconnect(_) => {
                self.reply(ok);
                self.end_session();
                self.state = State::Closed;
            }
            ClientMessage::StartScanning(_) => {
                self.actions.push_back(Action::StartScanning);
                self.reply(ok);
            }
            ClientMessage::StopScanning(_) => {
                self.actions.push_back(Action::StopScanning);
                self.reply(ok);
            }
            ClientMessage::RequestDeviceList(_) => {
                self.reply(ServerMessage::DeviceList(v4::DeviceList {
                    id,
                    devices: self.devices.devices.clone(),
                }));
            }
            ClientMessage::OutputCmd(cmd) => self.handle_outputs(id, vec![cmd]),
            ClientMessage::InputCmd(cmd) => self.handle_input_cmd(cmd),
            ClientMessage::StopCmd(cmd) => self.handle_stop_cmd(cmd),
        }
    }

    /// Checks every command first: one refused command refuses them all and nothing is sent.
    fn handle_outputs(&mut self, id: u32, cmds: Vec<v4::OutputCmd>) {
        if let Some(why) = cmds.iter().find_map(|cmd| self.check_output(cmd).err()) {
            return self.reply(error(id, ErrorCode::Device, &why));
        }
        if self.stops_ahead > 0 {
            // A stop-all read ahead already stopped what this would have started.
            return self.reply(ServerMessage::Ok(v4::Ok { id }));
        }
        let mut by_device: BTreeMap<u32, Vec<(FeatureIndex, v4::OutputCommand)>> = BTreeMap::new();
        for cmd in cmds {
            let feature = FeatureIndex::new(cmd.feature_index);
            by_device.entry(cmd.device_index).or_default().push((feature, cmd.command));
        }
        for (device, commands) in by_device {
            self.actions.push_back(for_device(device, DeviceRequest::Output { commands }));
        }
        self.reply(ServerMessage::Ok(v4::Ok { id }));
    }

    fn check_output(&self, cmd: &v4::OutputCmd) -> Result<(), String> {
        let (device, feature) = (cmd.device_index, cmd.feature_index);
        let output = cmd.command.output_type();
        self.feature(device, feature)?
            .output
            .as_ref()
            .and_then(|outputs| outputs.ranges(output))
            .ok_or_else(|| format!("feature {feature} of device {device} has no {output} output"))?
            .check(output, cmd.command.value(), cmd.command.duration())
            .map_err(|refusal| refusal.to_string())
    }

    fn handle_input_cmd(&mut self, cmd: v4::InputCmd) {
        let (id, device, feature, input) =
            (cmd.id, cmd.device_index, cmd.feature_index, cmd.input_type);
        let checked = self.feature(device, feature).and_then(|f| {
            let properties =
                f.input.as_ref().and_then(|inputs| inputs.get(input)).ok_or_else(|| {
                    format!("feature {feature} of device {device} has no {input} input")
                })?;
            if properties.accepts(cmd.command) {
                Ok(())
            } else {
                Err(format!(
                    "the {input} input of feature {feature} on device {device} does not offer {}",
                    cmd.command
                ))
            }
        });
        if let Err(why) = checked {
            self.reply(error(id.get(), ErrorCode::Device, &why));
            return;
        }
        match cmd.command {
            v4::InputCommandType::Read => {
                let token = ReadToken(self.next_token);
                self.next_token += 1;
                self.reads.insert(token, PendingRead { id, device, feature });
                self.replies.push_back(Reply::Waiting(token));
                let request =
                    DeviceRequest::Read { token, feature: FeatureIndex::new(feature), input };
                self.actions.push_back(for_device(device, request));
            }
            v4::InputCommandType::Subscribe => {
                let request =
                    DeviceRequest::Subscribe { feature: FeatureIndex::new(feature), input };
                self.actions.push_back(for_device(device, request));
                self.reply(ServerMessage::Ok(v4::Ok { id: id.get() }));
            }
            v4::InputCommandType::Unsubscribe => {
                let request =
                    DeviceRequest::Unsubscribe { feature: FeatureIndex::new(feature), input };
                self.actions.push_back(for_device(device, request));
                self.reply(ServerMessage::Ok(v4::Ok { id: id.get() }));
            }
        }
    }

    fn handle_stop_cmd(&mut self, cmd: v4::StopCmd) {
        let id = cmd.id.get();
        let device = cmd.device_index;
        let feature = cmd.selected_feature();
        let checked = match (device, feature) {
            (Some(device), Some(feature)) => self.feature(device, feature).map(|_| ()),
            (Some(device), None) if !self.devices.devices.contains_key(&device) => {
                Err(not_connected(device))
            }
            _ => Ok(()),
        };
        if let Err(why) = checked {
            self.reply(error(id, ErrorCode::Device, &why));
            return;
        }
        if cmd.stops_outputs() && device.is_none() && self.stops_ahead > 0 {
            // This is the oldest stop-all read ahead: its stop went out when it was read.
            self.stops_ahead -= 1;
        } else if cmd.stops_outputs() {
            self.actions.push_back(match device {
                Some(device) => for_device(
                    device,
                    DeviceRequest::Stop { feature: feature.map(FeatureIndex::new) },
                ),
                None => Action::EveryDevice { request: DeviceRequest::Stop { feature: None } },
            });
        }
        if cmd.stops_inputs() {
            self.actions.push_back(match device {
                Some(device) => for_device(
                    device,
                    DeviceRequest::StopInputs { feature: feature.map(FeatureIndex::new) },
                ),
                None => {
                    Action::EveryDevice { request: DeviceRequest::StopInputs { feature: None } }
                }
            });
        }
        self.reply(ServerMessage::Ok(v4::Ok { id }));
    }

    fn feature(&self, device: u32, feature: u32) -> Result<&v4::Feature, String> {
        self.devices
            .devices
            .get(&device)
            .ok_or_else(|| not_connected(device))?
            .device_features
            .get(&feature)
            .ok_or_else(|| format!("device {device} has no feature {feature}"))
    }

    /// docs/PROTOCOL.md 4.3: stop scanning, stop the outputs this session runs (14.4), end every
    /// subscription.
    fn end_session(&mut self) {
        self.actions.push_back(Action::StopScanning);
        self.actions.push_back(Action::EveryDevice { request: DeviceRequest::SessionEnded });
        self.actions.push_back(Action::EveryDevice {
            request: DeviceRequest::StopInputs { feature: None },
        });
        self.ping_deadline = None;
    }

    fn handle_parse_error(&mut self, err: &ParseError) {
        self.reply(error(err.id, err.code(), &err.to_string()));
    }

    fn reply(&mut self, message: ServerMessage) {
        self.replies.push_back(Reply::Ready(message));
    }

    /// Puts the reply of a read in the place the read holds.
    fn fill(&mut self, token: ReadToken, message: ServerMessage) {
        if let Some(slot) =
            self.replies.iter_mut().find(|slot| matches!(slot, Reply::Waiting(t) if *t == token))
        {
            *slot = Reply::Ready(message);
        }
    }
}

/// Work for the device with wire index `device`.
fn for_device(device: u32, request: DeviceRequest) -> Action {
    Action::Device { device: DeviceIndex::new(device), request }
}

fn not_connected(device: u32) -> String {
    format!("device {device} is not connected")
}

fn error(id: u32, code: ErrorCode, message: &str) -> ServerMessage {
    ServerMessage::Error(v4::Error { id, error_code: code, error_message: message.to_owned() })
}

#[cfg(test)]
mod tests;
