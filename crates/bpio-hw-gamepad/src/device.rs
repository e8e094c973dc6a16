//! One open gamepad: the thread that owns its handle, and its [`Hardware`].

use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bpio_hardware::{DeviceLink, Endpoint, EventSink, Hardware, HardwareEvent, HwError};
use tokio::sync::oneshot;
use tracing::{debug, info, warn};

use crate::platform::{PadHandle, PlatformError};
use crate::{Config, GamepadError};

/// Endpoints: rumble is written to `tx`, the battery read from `rx`.
const ENDPOINTS: [Endpoint; 2] = [Endpoint::Tx, Endpoint::Rx];

/// Work for the I/O thread, and where its result goes.
enum Job {
    Rumble { strong: u16, weak: u16, done: oneshot::Sender<Result<(), PlatformError>> },
    Battery { done: oneshot::Sender<Result<Option<u8>, PlatformError>> },
}

/// A connected gamepad. Dropping it lets the pad go as [`Hardware::disconnect`] does.
#[derive(Debug)]
pub(crate) struct GamepadHardware {
    name: String,
    address: String,
    link: Arc<DeviceLink>,
    /// Taken on disconnect, which ends the I/O thread.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
}

/// Starts the I/O thread that owns `handle`; the disconnect goes to `events`.
pub(crate) fn start(
    name: String,
    address: String,
    handle: Box<dyn PadHandle>,
    config: Config,
    events: EventSink<HardwareEvent>,
) -> Result<GamepadHardware, HwError> {
    let link = Arc::new(DeviceLink::new());
    link.attach(events)?;
    let (jobs, queue) = mpsc::channel();
    let thread_link = Arc::clone(&link);
    std::thread::Builder::new()
        .name("gamepad-io".to_owned())
        .spawn(move || io_loop(handle, &queue, &thread_link, config))
        .map_err(|err| HwError::Backend(Box::new(err)))?;
    info!("gamepad opened");
    debug!(%name, %address, "gamepad");
    Ok(GamepadHardware { name, address, link, jobs: Mutex::new(Some(jobs)) })
}

/// Performs jobs as they come, repeats a rumble before the platform ends it, and checks between
/// them that the pad is still there, until it is unplugged or let go; then stops the motors,
/// closes the handle and the link, which reports the disconnect.
fn io_loop(
    mut handle: Box<dyn PadHandle>,
    queue: &mpsc::Receiver<Job>,
    link: &DeviceLink,
    config: Config,
) {
    let mut rumble = (0, 0);
    let mut armed_at = Instant::now();
    let why = loop {
        match queue.recv_timeout(config.poll) {
            Ok(Job::Rumble { strong, weak, done }) => {
                let result = handle.rumble(strong, weak);
                if result.is_ok() {
                    rumble = (strong, weak);
                    armed_at = Instant::now();
                }
                // The caller may have stopped waiting; the result then goes nowhere.
                let _ = done.send(result);
            }
            Ok(Job::Battery { done }) => {
                let _ = done.send(handle.battery());
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Every device stops when the server lets it go.
                if let Err(err) = handle.rumble(0, 0) {
                    warn!(cause = %err, "cannot stop the gamepad's motors");
                }
                break "released by the server".to_owned();
            }
        }
        match handle.connected() {
            Ok(true) => {}
            Ok(false) => break "unplugged".to_owned(),
            Err(err) => break format!("unplugged ({err})"),
        }
        if rumble != (0, 0) && armed_at.elapsed() >= config.rearm {
            if let Err(err) = handle.rumble(rumble.0, rumble.1) {
                warn!(cause = %err, "cannot repeat the gamepad's rumble");
            }
            armed_at = Instant::now();
        }
    };
    drop(handle);
    info!(reason = %why, "gamepad closed");
    link.close();
}

impl GamepadHardware {
    /// Queues `job` for the I/O thread; a pad that is gone gives [`HwError::Disconnected`].
    fn queue(&self, job: Job) -> Result<(), HwError> {
        if self.link.is_closed() {
            return Err(HwError::Disconnected);
        }
        let queued = match &*self.jobs.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if queued { Ok(()) } else { Err(HwError::Disconnected) }
    }
}

/// Awaits a job's result; a thread that ended meanwhile means the pad is gone.
async fn result<T>(
    done: oneshot::Receiver<Result<T, PlatformError>>,
    operation: &'static str,
) -> Result<T, HwError> {
    match done.await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(source)) => {
            Err(HwError::Backend(Box::new(GamepadError::Platform { operation, source })))
        }
        Err(_) => Err(HwError::Disconnected),
    }
}

/// The strong and the weak magnitude of a rumble packet (four little-endian `u16`: strong, weak,
/// left trigger, right trigger); the pads have no trigger motors, so those must be off.
fn magnitudes(data: &[u8]) -> Result<(u16, u16), HwError> {
    let refuse = |why| Err(HwError::Backend(Box::new(why)));
    let [strong_low, strong_high, weak_low, weak_high, triggers @ ..] = data else {
        return refuse(GamepadError::Packet(data.len()));
    };
    if triggers.len() != 4 {
        return refuse(GamepadError::Packet(data.len()));
    }
    if triggers.iter().any(|byte| *byte != 0) {
        return refuse(GamepadError::NoTriggerMotors);
    }
    let strong = u16::from_le_bytes([*strong_low, *strong_high]);
    Ok((strong, u16::from_le_bytes([*weak_low, *weak_high])))
}

#[async_trait]
impl Hardware for GamepadHardware {
    fn name(&self) -> &str {
        &self.name
    }

    fn address(&self) -> &str {
        &self.address
    }

    fn endpoints(&self) -> &[Endpoint] {
        &ENDPOINTS
    }

    async fn write(&self, endpoint: Endpoint, data: &[u8], _: bool) -> Result<(), HwError> {
        if endpoint != Endpoint::Tx {
            return Err(HwError::NoEndpoint(endpoint));
        }
        let (strong, weak) = magnitudes(data)?;
        let (done, wait) = oneshot::channel();
        self.queue(Job::Rumble { strong, weak, done })?;
        result(wait, "set the rumble of").await
    }

    async fn read(&self, endpoint: Endpoint, _: u32, _: Duration) -> Result<Vec<u8>, HwError> {
        match endpoint {
            Endpoint::Rx => {}
            Endpoint::Tx => return Err(HwError::Unsupported("a gamepad's battery is read on rx")),
            other => return Err(HwError::NoEndpoint(other)),
        }
        let (done, wait) = oneshot::channel();
        self.queue(Job::Battery { done })?;
        match result(wait, "read the battery of").await? {
            Some(level) => Ok(vec![level]),
            None => Err(HwError::Backend(Box::new(GamepadError::NoBattery))),
        }
    }

    async fn subscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        if !ENDPOINTS.contains(&endpoint) {
            return Err(HwError::NoEndpoint(endpoint));
        }
        Err(HwError::Unsupported("a gamepad sends nothing on its own; its battery is read on rx"))
    }

    async fn unsubscribe(&self, endpoint: Endpoint) -> Result<(), HwError> {
        self.subscribe(endpoint).await
    }

    async fn disconnect(&self) -> Result<(), HwError> {
        // The I/O thread wakes at once, stops the motors, closes the pad and reports the
        // disconnect.
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner).take();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rumble_packet_is_four_little_endian_magnitudes_without_triggers() {
        assert_eq!(magnitudes(&[0x34, 0x12, 0xff, 0xff, 0, 0, 0, 0]).ok(), Some((0x1234, 0xffff)));
        for bad in [&[][..], &[1, 2, 3], &[1, 2, 3, 4], &[1, 2, 3, 4, 0, 0, 0, 0, 0]] {
            match magnitudes(bad) {
                Err(HwError::Backend(err)) => assert_eq!(
                    err.to_string(),
                    format!(
                        "a gamepad takes 8 bytes on tx (four little-endian u16: strong, weak, \
                         left trigger, right trigger), not {}",
                        bad.len()
                    )
                ),
                other => panic!("expected a backend error, got {other:?}"),
            }
        }
        match magnitudes(&[0, 0, 0, 0, 0, 0, 1, 0]) {
            Err(HwError::Backend(err)) => {
                assert_eq!(err.to_string(), "this gamepad has no trigger motors");
            }
            other => panic!("expected a backend error, got {other:?}"),
        }
    }
}
