//! The spinning side of a run (issue 23): a client and a fake device that busy-poll their sockets
//! instead of parking.
//!
//! The async client parks between messages, and its own wake-up (on the order of 100 µs on a
//! small virtual machine) is part of every round trip it times, often the larger part of the
//! tail. Here each spinning side is a dedicated OS thread with a std `TcpStream` set
//! non-blocking and a sync `tungstenite` websocket, calling `read` until a frame arrives with
//! [`std::hint::spin_loop`] between the `WouldBlock`s, so what is left of a round trip is the
//! server's own time and the loopback's. A spinning thread keeps a core busy: with the client
//! reading its reply and the device spinning together, both cores of a two-core machine are, and
//! the server runs on what the scheduler takes from them. That is why this measurement comes in
//! addition to the parked one, never instead of it.

use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bpio_protocol::v4::{self, ClientMessage, ServerMessage};
use bpio_protocol::{ClientId, MessageSet, parse_frame, serialize_frame};
use serde_json::{Map, Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message, WebSocket};

use crate::client::{self, PATIENCE};
use crate::device::{self, Frame, IDENTIFIER, Write};
use crate::measure::section;
use crate::stats::summary_with_samples;
use crate::timings::{Device, level};

/// How often an idle fake device looks whether it should spin: it blocks in `read` this long at
/// most, so it costs nothing while the parked phases run.
const IDLE_POLL: Duration = Duration::from_millis(10);

/// A sync websocket over a std TCP stream.
type Socket = WebSocket<TcpStream>;

/// A Spec v4 client on a thread of its own that spins on its socket.
#[derive(Debug)]
pub struct SpinClient {
    socket: Socket,
    next_id: ClientId,
}

impl SpinClient {
    /// Connects to `url`, shakes hands (`RequestServerInfo`, answered by `ServerInfo` or by the
    /// echo baseline's `Ok`) and leaves the socket non-blocking. Retries for a while: a server
    /// that serves one client at a time may still be ending the previous session.
    pub fn connect(url: &str) -> Result<Self> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match Self::try_connect(url) {
                Ok(client) => return Ok(client),
                Err(err) if Instant::now() >= deadline => return Err(err),
                // A blocking thread of its own, so a plain sleep between attempts.
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    fn try_connect(url: &str) -> Result<Self> {
        let socket = open(url)?;
        let next_id = ClientId::try_from(1).map_err(anyhow::Error::msg)?;
        let mut client = Self { socket, next_id };
        let id = client.fresh_id();
        let hello = v4::RequestServerInfo {
            id,
            client_name: "bpio-bench spinning".to_owned(),
            protocol_version_major: v4::PROTOCOL_VERSION_MAJOR,
            protocol_version_minor: v4::PROTOCOL_VERSION_MINOR,
        };
        match client.request(hello.into())?.0 {
            ServerMessage::ServerInfo(_) | ServerMessage::Ok(_) => Ok(client),
            other => bail!("the server refused the handshake: {other:?}"),
        }
    }

    /// A message Id not used yet in this session.
    pub fn fresh_id(&mut self) -> ClientId {
        let id = self.next_id;
        self.next_id = ClientId::new(id.get().wrapping_add(1)).unwrap_or(id);
        id
    }

    /// Hands `message` to the socket; returns the time just before it was written.
    pub fn send(&mut self, message: &ClientMessage) -> Result<Instant> {
        let text = serialize_frame(std::slice::from_ref(message));
        let at = Instant::now();
        send_spinning(&mut self.socket, Message::text(text)).context("sending to the server")?;
        Ok(at)
    }

    /// Spins until the reply to message `id` is read; other messages are skipped. Returns the
    /// reply and the moment its frame came off the socket.
    pub fn reply_to(&mut self, id: ClientId) -> Result<(ServerMessage, Instant)> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let (frame, at) = read_spinning(&mut self.socket, deadline)?
                .with_context(|| format!("no reply to message {} within {PATIENCE:?}", id.get()))?;
            let text = match &frame {
                Message::Text(text) => text.as_bytes(),
                Message::Close(_) => bail!("the server closed the connection"),
                _ => continue,
            };
            for message in parse_frame::<ServerMessage>(text) {
                match message {
                    Ok(message) if message.id() == id.get() => return Ok((message, at)),
                    Err(err) if err.id == id.get() => {
                        bail!("unreadable reply to {}: {err}", id.get())
                    }
                    _ => {}
                }
            }
        }
    }

    /// Sends `message` and spins until its reply; returns the reply and the round trip.
    pub fn request(&mut self, message: ClientMessage) -> Result<(ServerMessage, Duration)> {
        let id = ClientId::new(message.id()).context("a request needs a non-zero Id")?;
        let sent = self.send(&message)?;
        let (reply, at) = self.reply_to(id)?;
        Ok((reply, at.saturating_duration_since(sent)))
    }

    /// Sends `message` and fails unless the reply is `Ok`.
    pub fn request_ok(&mut self, message: ClientMessage) -> Result<Duration> {
        let name = message.name();
        match self.request(message)? {
            (ServerMessage::Ok(_), round_trip) => Ok(round_trip),
            (other, _) => bail!("{name} was answered with {other:?}"),
        }
    }

    /// Closes the websocket with a close frame, waiting briefly for the server's.
    pub fn close(mut self) {
        close(&mut self.socket);
    }
}

/// A fake Lovense Hush on a thread of its own, answering as [`device::answer`] does. It parks in
/// `read` (waking every 10 ms) until told to [`spin`](Self::spin), and from then on
/// busy-polls its socket and stamps each command the moment its frame is read.
#[derive(Debug)]
pub struct SpinDevice {
    control: Arc<Control>,
    writes: mpsc::Receiver<Write>,
    thread: Option<JoinHandle<()>>,
}

/// What the device's thread is told.
#[derive(Debug, Default)]
struct Control {
    spin: AtomicBool,
    stop: AtomicBool,
}

impl SpinDevice {
    /// Connects to the device websocket server at `url` and names itself with `address`.
    pub fn connect(url: &str, address: &str) -> Result<Self> {
        let mut socket = open(url).context("connecting the spinning fake device")?;
        let hello = json!({"identifier": IDENTIFIER, "address": address, "version": 1});
        send_spinning(&mut socket, Message::text(hello.to_string()))
            .context("sending the device hello")?;
        socket.get_mut().set_nonblocking(false)?;
        socket.get_mut().set_read_timeout(Some(IDLE_POLL))?;
        let control = Arc::new(Control::default());
        let (writes_tx, writes) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("spin device {address}"))
            .spawn({
                let control = Arc::clone(&control);
                move || serve_device(socket, &control, &writes_tx)
            })
            .context("starting the spinning device's thread")?;
        Ok(Self { control, writes, thread: Some(thread) })
    }

    /// Busy-polls the socket from now on (`true`), or parks in `read` again (`false`).
    pub fn spin(&self, on: bool) {
        self.control.spin.store(on, Ordering::Release);
    }

    /// Waits up to `timeout` for a write at or after `after` whose command is `command`;
    /// earlier writes and other commands are consumed. Returns when the device read it.
    ///
    /// The caller parks meanwhile: the moment is the device's own stamp, so the caller's wake-up
    /// is in no figure, and the core it leaves is the server's.
    pub fn wait_for(&self, command: &str, after: Instant, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let write = self.writes.recv_timeout(wait).ok()?;
            if write.at >= after && write.command == command {
                return Some(write.at);
            }
        }
    }

    /// Every write recorded and not consumed yet.
    pub fn take_writes(&self) -> Vec<Write> {
        self.writes.try_iter().collect()
    }

    /// Closes the connection with a close frame and waits for the thread to end.
    pub fn close(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.control.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SpinDevice {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The device's thread: answers every command, records it, and switches between parking and
/// spinning as `control` says, until told to stop or the connection ends.
fn serve_device(mut socket: Socket, control: &Control, writes: &mpsc::Sender<Write>) {
    let mut spinning = false;
    while !control.stop.load(Ordering::Acquire) {
        let spin = control.spin.load(Ordering::Acquire);
        if spin != spinning {
            if socket.get_mut().set_nonblocking(spin).is_err() {
                return;
            }
            spinning = spin;
        }
        let frame = match socket.read() {
            Ok(frame) => frame,
            Err(tungstenite::Error::Io(err)) if is_would_block(&err) => {
                std::hint::spin_loop();
                continue;
            }
            Err(_) => return,
        };
        let at = Instant::now();
        let commands = match device::firmware(&frame) {
            Frame::Commands(commands) => commands,
            Frame::Ping => {
                let _ = flush_spinning(&mut socket);
                continue;
            }
            Frame::Close => return,
            Frame::Other => continue,
        };
        for (command, answer) in commands {
            let _ = writes.send(Write { at, command });
            if send_spinning(&mut socket, answer).is_err() {
                return;
            }
        }
    }
    close(&mut socket);
}

/// Sequential OutputCmd → Ok round trips with a spinning client, after the same warm-up as the
/// parked ones.
pub(crate) fn round_trips(
    client: &mut SpinClient,
    device: Device,
    count: usize,
) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(count);
    for n in 0..count + count / 20 {
        let id = client.fresh_id();
        let round_trip =
            client.request_ok(client::vibrate(id, device.index, device.feature, level(n)))?;
        if n >= count / 20 {
            times.push(round_trip);
        }
    }
    Ok(times)
}

/// Time from handing an OutputCmd to the socket until the spinning fake device reads its bytes,
/// one command at a time; the device spins while this runs, and the client spins only to read
/// each reply (it parks while the device's stamp is on its way: see [`SpinDevice::wait_for`]).
pub(crate) fn device_latency(
    client: &mut SpinClient,
    device: &SpinDevice,
    output: Device,
    count: usize,
) -> Result<Vec<Duration>> {
    device.spin(true);
    let result = device_latency_spinning(client, device, output, count);
    device.spin(false);
    result
}

fn device_latency_spinning(
    client: &mut SpinClient,
    device: &SpinDevice,
    output: Device,
    count: usize,
) -> Result<Vec<Duration>> {
    let _ = device.take_writes();
    let mut times = Vec::with_capacity(count);
    for n in 0..count {
        let value = level(n);
        let id = client.fresh_id();
        let sent = client.send(&client::vibrate(id, output.index, output.feature, value))?;
        let arrived = device
            .wait_for(&format!("Vibrate:{value}"), sent, PATIENCE)
            .with_context(|| format!("the spinning device never received level {value}"))?;
        times.push(arrived.saturating_duration_since(sent));
        client.reply_to(id)?;
    }
    Ok(times)
}

/// Opens a websocket to `url` over a blocking TCP stream with Nagle's algorithm off, then makes
/// the stream non-blocking.
fn open(url: &str) -> Result<Socket> {
    let request =
        url.into_client_request().with_context(|| format!("{url} is no websocket URL"))?;
    let authority = request.uri().authority().with_context(|| format!("no host in {url}"))?;
    let stream = TcpStream::connect(authority.as_str())
        .with_context(|| format!("connecting to {authority}"))?;
    stream.set_nodelay(true)?;
    // Bounds on the blocking handshake, for a server that accepts and then says nothing.
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    let (mut socket, _) =
        tungstenite::client::client_with_config(request, stream, Some(client::ws_config()))
            .map_err(|err| anyhow::anyhow!("the websocket handshake with {url} failed: {err}"))?;
    socket.get_mut().set_nonblocking(true)?;
    Ok(socket)
}

/// The next frame and the moment it was read, spinning on `WouldBlock`; `None` at `deadline`.
fn read_spinning(socket: &mut Socket, deadline: Instant) -> Result<Option<(Message, Instant)>> {
    loop {
        match socket.read() {
            Ok(frame) => return Ok(Some((frame, Instant::now()))),
            Err(tungstenite::Error::Io(err)) if is_would_block(&err) => {
                if Instant::now() >= deadline {
                    return Ok(None);
                }
                std::hint::spin_loop();
            }
            Err(err) => return Err(err).context("reading from the server"),
        }
    }
}

/// Writes `message` and flushes it, spinning while the socket's buffer is full.
fn send_spinning(socket: &mut Socket, message: Message) -> tungstenite::Result<()> {
    match socket.write(message) {
        Ok(()) => {}
        // The frame is queued in tungstenite's buffer; the flush below writes it.
        Err(tungstenite::Error::Io(err)) if is_would_block(&err) => {}
        Err(err) => return Err(err),
    }
    flush_spinning(socket)
}

fn flush_spinning(socket: &mut Socket) -> tungstenite::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match socket.flush() {
            Err(tungstenite::Error::Io(err))
                if is_would_block(&err) && Instant::now() < deadline =>
            {
                std::hint::spin_loop();
            }
            other => return other,
        }
    }
}

/// Sends a close frame and reads until the peer's close (or an error, or a short wait).
fn close(socket: &mut Socket) {
    if socket.close(None).is_err() {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(1);
    while let Ok(Some(_)) = read_spinning(socket, deadline) {}
}

/// Whether a read or write found nothing to do: `WouldBlock` on a non-blocking socket, or the
/// read timeout of a blocking one (`TimedOut` on some systems).
fn is_would_block(err: &std::io::Error) -> bool {
    matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
}

/// The spinning phase of a run: a fresh spinning client times round trips on `main`, then, with
/// a spinning `device`, client → device latency on it. Each figure is a section (its summary and
/// samples, or its error).
pub(crate) fn phase(
    url: &str,
    main: Device,
    device: Option<(SpinDevice, Device)>,
    round_trip_count: usize,
    latency_count: usize,
) -> Map<String, Value> {
    let mut out = Map::new();
    let mut client = match SpinClient::connect(url) {
        Ok(client) => client,
        Err(err) => {
            out.insert("round_trip_spin".into(), section(Err(err)));
            return out;
        }
    };
    let figures = round_trips(&mut client, main, round_trip_count).map(summary_with_samples);
    out.insert("round_trip_spin".into(), section(figures));
    if let Some((device, output)) = device {
        let figures =
            device_latency(&mut client, &device, output, latency_count).map(summary_with_samples);
        out.insert("device_latency_spin".into(), section(figures));
        device.close();
    }
    client.close();
    out
}
