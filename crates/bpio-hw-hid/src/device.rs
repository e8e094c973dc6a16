//! One open HID device: the thread that owns its handle, and the transport its
//! [`StreamHardware`] writes through.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use async_trait::async_trait;
use bpio_hardware::{
    DeviceLink, Endpoint, EventSink, HardwareEvent, HwError, StreamHardware, StreamTransport,
};
use tokio::sync::oneshot;
use tracing::{debug, info, trace};

use crate::INPUT_POLL;
use crate::platform::{HidHandle, PlatformError};

/// Room for the largest input report (high-speed USB allows 1024 bytes).
const REPORT_BUFFER: usize = 1024;

/// A write for the I/O thread, and where its result goes.
type WriteJob = (Vec<u8>, oneshot::Sender<Result<(), PlatformError>>);

/// How the hardware reaches the I/O thread.
#[derive(Debug)]
pub(crate) struct ReportWriter {
    stop: Arc<AtomicBool>,
    /// Taken on disconnect, which ends the I/O thread.
    writes: Mutex<Option<mpsc::Sender<WriteJob>>>,
}

/// Starts the I/O thread that owns `handle`; input reports go to `events`.
pub(crate) fn start(
    name: String,
    address: String,
    handle: Box<dyn HidHandle>,
    events: EventSink<HardwareEvent>,
) -> Result<StreamHardware<ReportWriter>, HwError> {
    let link = Arc::new(DeviceLink::new());
    link.attach(events)?;
    let stop = Arc::new(AtomicBool::new(false));
    let (writes, jobs) = mpsc::channel();
    let (thread_link, thread_stop) = (Arc::clone(&link), Arc::clone(&stop));
    std::thread::Builder::new()
        .name("hid-io".to_owned())
        .spawn(move || io_loop(handle, &jobs, &thread_link, &thread_stop))
        .map_err(|err| HwError::Backend(Box::new(err)))?;
    info!("HID device opened");
    debug!(%name, %address, "HID device");
    let writer = ReportWriter { stop, writes: Mutex::new(Some(writes)) };
    Ok(StreamHardware::new(name, address, link, writer))
}

impl Drop for ReportWriter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Performs writes as they come and takes waiting input reports between them, until the device
/// fails or is let go; then closes the handle and the link, which reports the disconnect.
fn io_loop(
    mut handle: Box<dyn HidHandle>,
    jobs: &mpsc::Receiver<WriteJob>,
    link: &DeviceLink,
    stop: &AtomicBool,
) {
    let mut buffer = vec![0_u8; REPORT_BUFFER];
    let why = 'io: loop {
        if stop.load(Ordering::Relaxed) {
            break "closed by the server".to_owned();
        }
        match jobs.recv_timeout(INPUT_POLL) {
            Ok((report, done)) => {
                // The caller may have stopped waiting; the result then goes nowhere.
                let _ = done.send(handle.write(&report));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break "released by the server".to_owned(),
        }
        loop {
            match handle.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => {
                    let report = buffer.get(..read).unwrap_or_default().to_vec();
                    if !link.notify(Endpoint::Rx, report) {
                        trace!(len = read, "HID input report nobody takes; dropped");
                    }
                }
                Err(err) => break 'io format!("read failed: {err}"),
            }
        }
    };
    drop(handle);
    info!(reason = %why, "HID device closed");
    link.close();
}

#[async_trait]
impl StreamTransport for ReportWriter {
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
            Ok(result) => result.map_err(HwError::Backend),
            Err(_) => Err(HwError::Disconnected),
        }
    }

    async fn close(&self) {
        self.writes.lock().unwrap_or_else(PoisonError::into_inner).take();
        // The I/O thread notices within one poll, closes the handle and reports the disconnect.
        self.stop.store(true, Ordering::Relaxed);
    }
}
