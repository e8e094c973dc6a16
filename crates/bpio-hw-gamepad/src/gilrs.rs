//! The gilrs platform layer (the default off Linux): one thread owns the gilrs context, since not
//! every system's context may move between threads, and every pad's requests go to it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::Duration;

use gilrs::GamepadId;
use gilrs::ff::{BaseEffect, BaseEffectType, Effect, EffectBuilder, Repeat};

use crate::platform::{GamepadPlatform, PadHandle, PadInfo, PlatformError};

/// How often the context takes the system's gamepad events while no request comes.
const PUMP: Duration = Duration::from_millis(50);

/// A reply to one request.
type Reply<T> = mpsc::Sender<Result<T, String>>;

enum Request {
    Enumerate(Reply<Vec<PadInfo>>),
    Rumble { pad: usize, strong: u16, weak: u16, reply: Reply<()> },
    Battery { pad: usize, reply: Reply<Option<u8>> },
    Connected { pad: usize, reply: Reply<bool> },
    Release { pad: usize },
}

/// Gamepads through gilrs. The context is created on first use, on a thread of its own.
#[derive(Debug, Default)]
pub struct Gilrs {
    requests: Mutex<Option<mpsc::Sender<Request>>>,
}

impl Gilrs {
    /// Sends `request` to the context's thread, starting it first if needed.
    fn send(&self, request: Request) -> Result<(), PlatformError> {
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        let sender = match requests.as_ref() {
            Some(sender) => sender,
            None => {
                let (sender, queue) = mpsc::channel();
                std::thread::Builder::new()
                    .name("gilrs".to_owned())
                    .spawn(move || serve(&queue))?;
                requests.insert(sender)
            }
        };
        sender.send(request).map_err(|_| "the gilrs thread has ended".into())
    }

    fn ask<T>(&self, request: impl FnOnce(Reply<T>) -> Request) -> Result<T, PlatformError> {
        let (reply, answer) = mpsc::channel();
        self.send(request(reply))?;
        answer.recv().map_err(|_| "the gilrs thread has ended")?.map_err(Into::into)
    }
}

impl GamepadPlatform for Gilrs {
    fn enumerate(&self) -> Result<Vec<PadInfo>, PlatformError> {
        self.ask(Request::Enumerate)
    }

    fn open(&self, pad: &PadInfo) -> Result<Box<dyn PadHandle>, PlatformError> {
        let number = pad.path.parse().map_err(|_| format!("{} is no gilrs id", pad.path))?;
        // Cloning the sender keeps the handle independent of the platform's lock.
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let requests = requests.ok_or("gamepads were never listed")?;
        let handle = GilrsPad { pad: number, requests };
        if !handle.connected()? {
            return Err("the gamepad is no longer connected".into());
        }
        Ok(Box::new(handle))
    }
}

struct GilrsPad {
    pad: usize,
    requests: mpsc::Sender<Request>,
}

impl GilrsPad {
    fn ask<T>(&self, request: impl FnOnce(Reply<T>) -> Request) -> Result<T, PlatformError> {
        let (reply, answer) = mpsc::channel();
        self.requests.send(request(reply)).map_err(|_| "the gilrs thread has ended")?;
        answer.recv().map_err(|_| "the gilrs thread has ended")?.map_err(Into::into)
    }

    fn connected(&self) -> Result<bool, PlatformError> {
        self.ask(|reply| Request::Connected { pad: self.pad, reply })
    }
}

impl PadHandle for GilrsPad {
    fn rumble(&mut self, strong: u16, weak: u16) -> Result<(), PlatformError> {
        self.ask(|reply| Request::Rumble { pad: self.pad, strong, weak, reply })
    }

    fn battery(&mut self) -> Result<Option<u8>, PlatformError> {
        self.ask(|reply| Request::Battery { pad: self.pad, reply })
    }

    fn connected(&mut self) -> Result<bool, PlatformError> {
        Self::connected(self)
    }
}

impl Drop for GilrsPad {
    fn drop(&mut self) {
        // Dropping the pad's effect stops it; a thread that has ended has nothing playing.
        let _ = self.requests.send(Request::Release { pad: self.pad });
    }
}

/// The context's thread: answers requests and takes the system's events between them.
fn serve(queue: &mpsc::Receiver<Request>) {
    let mut context = gilrs::Gilrs::new().map_err(|err| format!("cannot start gilrs: {err}"));
    let mut ids: HashMap<usize, GamepadId> = HashMap::new();
    let mut effects: HashMap<usize, Effect> = HashMap::new();
    loop {
        let request = match queue.recv_timeout(PUMP) {
            Ok(request) => Some(request),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if let Ok(gilrs) = &mut context {
            // Connections and removals reach the context as events.
            while gilrs.next_event().is_some() {}
        }
        let Some(request) = request else { continue };
        let gilrs = match &mut context {
            Ok(gilrs) => gilrs,
            Err(reason) => {
                answer_failure(request, reason);
                continue;
            }
        };
        match request {
            Request::Enumerate(reply) => {
                let pads = gilrs
                    .gamepads()
                    .filter(|(_, pad)| pad.is_ff_supported())
                    .map(|(id, pad)| {
                        let number = usize::from(id);
                        ids.insert(number, id);
                        // gilrs gives a pad plugged back its id again.
                        let vendor = pad.vendor_id().unwrap_or(0);
                        let product = pad.product_id().unwrap_or(0);
                        PadInfo {
                            path: number.to_string(),
                            name: pad.name().to_owned(),
                            address: format!("gamepad-{vendor:04x}:{product:04x}-{number}"),
                        }
                    })
                    .collect();
                let _ = reply.send(Ok(pads));
            }
            Request::Rumble { pad, strong, weak, reply } => {
                // The old effect stops as it is dropped.
                effects.remove(&pad);
                let result = match ids.get(&pad) {
                    None => Err("unknown gamepad".to_owned()),
                    Some(_) if strong == 0 && weak == 0 => Ok(()),
                    Some(id) => start_rumble(gilrs, *id, strong, weak).map(|effect| {
                        effects.insert(pad, effect);
                    }),
                };
                let _ = reply.send(result);
            }
            Request::Battery { pad, reply } => {
                let level = ids.get(&pad).and_then(|id| gilrs.connected_gamepad(*id)).map_or(
                    Err("the gamepad is no longer connected".to_owned()),
                    |pad| {
                        Ok(match pad.power_info() {
                            gilrs::PowerInfo::Discharging(level)
                            | gilrs::PowerInfo::Charging(level) => Some(level.min(100)),
                            gilrs::PowerInfo::Charged => Some(100),
                            gilrs::PowerInfo::Wired | gilrs::PowerInfo::Unknown => None,
                        })
                    },
                );
                let _ = reply.send(level);
            }
            Request::Connected { pad, reply } => {
                let connected =
                    ids.get(&pad).is_some_and(|id| gilrs.connected_gamepad(*id).is_some());
                let _ = reply.send(Ok(connected));
            }
            Request::Release { pad } => {
                effects.remove(&pad);
            }
        }
    }
}

/// An effect playing both motors until it is dropped.
fn start_rumble(
    gilrs: &mut gilrs::Gilrs,
    id: GamepadId,
    strong: u16,
    weak: u16,
) -> Result<Effect, String> {
    let motor = |kind| BaseEffect { kind, ..BaseEffect::default() };
    let effect = EffectBuilder::new()
        .add_effect(motor(BaseEffectType::Strong { magnitude: strong }))
        .add_effect(motor(BaseEffectType::Weak { magnitude: weak }))
        .gamepads(&[id])
        .repeat(Repeat::Infinitely)
        .finish(gilrs)
        .map_err(|err| err.to_string())?;
    effect.play().map_err(|err| err.to_string())?;
    Ok(effect)
}

/// Answers a request when the context could not be created.
fn answer_failure(request: Request, reason: &str) {
    let reason = reason.to_owned();
    match request {
        Request::Enumerate(reply) => drop(reply.send(Err(reason))),
        Request::Rumble { reply, .. } => drop(reply.send(Err(reason))),
        Request::Battery { reply, .. } => drop(reply.send(Err(reason))),
        Request::Connected { reply, .. } => drop(reply.send(Err(reason))),
        Request::Release { .. } => {}
    }
}
