//! One open serial port: its settings, its reader and writer threads, and the transport its
//! [`StreamHardware`] writes through.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use async_trait::async_trait;
use bpio_hardware::{
    DeviceLink, Endpoint, EventSink, HardwareEvent, HwError, Parity, SerialSettings,
    StreamHardware, StreamTransport,
};
use serialport::SerialPort;
use tokio::sync::oneshot;
use tracing::{debug, info, trace};

/// How long the reader waits for a first byte before it looks whether it should stop.
const POLL: Duration = Duration::from_millis(100);

/// Quiet time that ends a burst: bytes arriving closer together form one notification. Ten
/// milliseconds is ten characters at 9600 baud.
const BURST_GAP: Duration = Duration::from_millis(10);

/// The longest notification; a device that never pauses is cut into pieces of this size.
const MAX_BURST: usize = 4096;

/// How long one write may wait for room in the port's output buffer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// A write for the writer thread, and where its result goes.
type WriteJob = (Vec<u8>, oneshot::Sender<io::Result<()>>);

/// A setting of the device database that no serial port has.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UnsupportedSetting(String);

/// The writing side of an open port, as the hardware sees it.
#[derive(Debug)]
pub(crate) struct PortWriter {
    stop: Arc<AtomicBool>,
    /// Taken on disconnect, which ends the writer thread.
    writes: Mutex<Option<mpsc::Sender<WriteJob>>>,
}

/// Opens `port` with `settings` and starts its reader and writer threads; its bytes go to
/// `events`.
pub(crate) fn open(
    port: String,
    settings: SerialSettings,
    events: EventSink<HardwareEvent>,
) -> Result<StreamHardware<PortWriter>, HwError> {
    let backend = |err: serialport::Error| HwError::Backend(Box::new(err));
    let reader = serialport::new(&port, settings.baud_rate)
        .data_bits(data_bits(settings.data_bits)?)
        .stop_bits(stop_bits(settings.stop_bits)?)
        .parity(match settings.parity {
            Parity::None => serialport::Parity::None,
            Parity::Even => serialport::Parity::Even,
            Parity::Odd => serialport::Parity::Odd,
        })
        .flow_control(serialport::FlowControl::None)
        .timeout(POLL)
        .open()
        .map_err(backend)?;
    let mut writer = reader.try_clone().map_err(backend)?;
    writer.set_timeout(WRITE_TIMEOUT).map_err(backend)?;
    // Bytes the device sent before anyone listened belong to nobody.
    let _ = reader.clear(serialport::ClearBuffer::Input);

    let link = Arc::new(DeviceLink::new());
    link.attach(events)?;
    let stop = Arc::new(AtomicBool::new(false));
    let (writes, jobs) = mpsc::channel();
    let spawn = |name: &str, run: Box<dyn FnOnce() + Send>| {
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(run)
            .map_err(|err| HwError::Backend(Box::new(err)))
    };
    let write_stop = Arc::clone(&stop);
    let writer = spawn("serial-write", Box::new(move || write_loop(writer, &jobs, &write_stop)))?;
    let (read_link, read_stop) = (Arc::clone(&link), Arc::clone(&stop));
    let reader = Box::new(move || read_loop(reader, writer, &read_link, &read_stop));
    if let Err(err) = spawn("serial-read", reader) {
        // The writer ends on the stop flag; its copy of the port closes with it.
        stop.store(true, Ordering::Relaxed);
        return Err(err);
    }
    info!("serial port opened");
    debug!(%port, baud = settings.baud_rate, "serial port");
    let writer = PortWriter { stop, writes: Mutex::new(Some(writes)) };
    Ok(StreamHardware::new(port.clone(), port, link, writer))
}

impl Drop for PortWriter {
    fn drop(&mut self) {
        // The reader holds the port open; it has to end too.
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn data_bits(bits: u8) -> Result<serialport::DataBits, HwError> {
    serialport::DataBits::try_from(bits).map_err(|()| {
        HwError::Backend(Box::new(UnsupportedSetting(format!(
            "serial ports have 5 to 8 data bits, not {bits}"
        ))))
    })
}

fn stop_bits(bits: u8) -> Result<serialport::StopBits, HwError> {
    serialport::StopBits::try_from(bits).map_err(|()| {
        HwError::Backend(Box::new(UnsupportedSetting(format!(
            "serial ports have 1 or 2 stop bits, not {bits}"
        ))))
    })
}

/// Reads until the port fails or the hardware stops it; each burst becomes one notification on
/// `rx`. Then stops the writer and waits for it, so that the port is closed (and free to open
/// again) before the link closes and reports the disconnect.
fn read_loop(
    mut port: Box<dyn SerialPort>,
    writer: JoinHandle<()>,
    link: &DeviceLink,
    stop: &AtomicBool,
) {
    let mut buffer = [0_u8; 1024];
    let mut burst: Vec<u8> = Vec::new();
    let why = loop {
        if stop.load(Ordering::Relaxed) {
            break "closed by the server".to_owned();
        }
        match port.read(&mut buffer) {
            Ok(0) => break "end of stream".to_owned(),
            Ok(read) => {
                burst.extend_from_slice(buffer.get(..read).unwrap_or_default());
                if burst.len() >= MAX_BURST {
                    deliver(link, std::mem::take(&mut burst));
                }
                // Wait only a moment for the rest of the burst.
                if let Err(err) = port.set_timeout(BURST_GAP) {
                    break err.to_string();
                }
            }
            Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                if !burst.is_empty() {
                    deliver(link, std::mem::take(&mut burst));
                }
                if let Err(err) = port.set_timeout(POLL) {
                    break err.to_string();
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => break err.to_string(),
        }
    };
    if !burst.is_empty() {
        deliver(link, burst);
    }
    stop.store(true, Ordering::Relaxed);
    drop(port);
    let _ = writer.join();
    info!(reason = %why, "serial port closed");
    link.close();
}

fn deliver(link: &DeviceLink, data: Vec<u8>) {
    let len = data.len();
    if !link.notify(Endpoint::Rx, data) {
        trace!(len, "serial bytes nobody takes; dropped");
    }
}

/// Performs writes until the hardware lets go of the port or the port is stopped.
fn write_loop(mut port: Box<dyn SerialPort>, jobs: &mpsc::Receiver<WriteJob>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match jobs.recv_timeout(POLL) {
            Ok((data, done)) => {
                // The caller may have stopped waiting; the result then goes nowhere.
                let _ = done.send(port.write_all(&data));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
}

#[async_trait]
impl StreamTransport for PortWriter {
    async fn send(&self, data: &[u8]) -> Result<(), HwError> {
        let (done, result) = oneshot::channel();
        let queued = match &*self.writes.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(writes) => writes.send((data.to_vec(), done)).is_ok(),
            None => false,
        };
        if !queued {
            return Err(HwError::Disconnected);
        }
        match result.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) if err.kind() == io::ErrorKind::TimedOut => Err(HwError::Timeout),
            Ok(Err(err)) => Err(HwError::Backend(Box::new(err))),
            Err(_) => Err(HwError::Disconnected),
        }
    }

    async fn close(&self) {
        self.writes.lock().unwrap_or_else(PoisonError::into_inner).take();
        // The reader notices within one poll, closes the port and reports the disconnect.
        self.stop.store(true, Ordering::Relaxed);
    }
}
