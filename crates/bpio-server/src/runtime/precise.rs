//! Wake-ups finer than tokio's timer, for the end of a timing gap.
//!
//! tokio's timer counts whole milliseconds and rounds a deadline up to the next one, so a command
//! held for a gap would leave up to a millisecond after the gap ends, on top of scheduling. One
//! shared thread sleeps on a condition variable, whose timeouts are in nanoseconds, until the
//! earliest deadline, and wakes the task that waits for it. It is started when first needed.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// Sleeps until `deadline` by both tokio's clock and the precise timer, whichever wakes first,
/// and never returns before tokio's clock has reached it (tests pause tokio's clock; the precise
/// timer only knows real time).
pub(crate) async fn sleep_until(deadline: tokio::time::Instant) {
    let coarse = tokio::time::sleep_until(deadline);
    tokio::pin!(coarse);
    tokio::select! {
        () = &mut coarse => return,
        () = Sleep::new(deadline.into_std()) => {}
    }
    if tokio::time::Instant::now() < deadline {
        coarse.await;
    }
}

/// The deadlines being waited for, each with the task to wake.
#[derive(Default)]
struct Timers {
    waiting: BTreeMap<(Instant, u64), Waker>,
    next_key: u64,
    /// The deadline the thread sleeps toward; an earlier one must wake it.
    thread_wakes_at: Option<Instant>,
}

struct Service {
    timers: Mutex<Timers>,
    changed: Condvar,
}

impl Service {
    /// The shared service, its thread started on first use; `None` if no thread could be
    /// started, and then tokio's timer does the waking alone.
    fn get() -> Option<&'static Self> {
        static SERVICE: OnceLock<Option<Arc<Service>>> = OnceLock::new();
        let service = SERVICE.get_or_init(|| {
            let service = Arc::new(Self { timers: Mutex::default(), changed: Condvar::new() });
            let shared = Arc::clone(&service);
            std::thread::Builder::new()
                .name("bpio-precise-timer".into())
                .stack_size(64 << 10)
                .spawn(move || shared.run())
                .ok()
                .map(|_| service)
        });
        service.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, Timers> {
        // The lock is never held across anything that can panic, but a poisoned map is still
        // a valid map.
        self.timers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn run(&self) {
        let mut timers = self.lock();
        loop {
            let now = real_now();
            while let Some(entry) = timers.waiting.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                entry.remove().wake();
            }
            let next = timers.waiting.first_key_value().map(|((at, _), _)| *at);
            timers.thread_wakes_at = next;
            timers = match next {
                Some(at) => {
                    let wait = at.saturating_duration_since(now);
                    match self.changed.wait_timeout(timers, wait) {
                        Ok((timers, _)) => timers,
                        Err(poisoned) => poisoned.into_inner().0,
                    }
                }
                None => self.changed.wait(timers).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// The real clock, which this timer is about (the rest of the runtime reads tokio's).
#[expect(clippy::disallowed_methods, reason = "the precise timer runs on real time")]
fn real_now() -> Instant {
    Instant::now()
}

/// A future that is ready once `deadline` has passed by the real clock.
struct Sleep {
    deadline: Instant,
    key: Option<u64>,
}

impl Sleep {
    fn new(deadline: Instant) -> Self {
        Self { deadline, key: None }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if real_now() >= self.deadline {
            self.deregister();
            return Poll::Ready(());
        }
        let Some(service) = Service::get() else { return Poll::Pending };
        let mut timers = service.lock();
        let deadline = self.deadline;
        let key = *self.key.get_or_insert_with(|| {
            timers.next_key += 1;
            timers.next_key
        });
        timers.waiting.insert((deadline, key), cx.waker().clone());
        if timers.thread_wakes_at.is_none_or(|at| deadline < at) {
            timers.thread_wakes_at = Some(deadline);
            service.changed.notify_one();
        }
        Poll::Pending
    }
}

impl Sleep {
    fn deregister(&mut self) {
        if let (Some(key), Some(service)) = (self.key.take(), Service::get()) {
            service.lock().waiting.remove(&(self.deadline, key));
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.deregister();
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    use super::Sleep;

    #[tokio::test]
    async fn wakes_at_its_deadline_never_before() {
        for _ in 0..20 {
            let deadline = super::real_now() + Duration::from_micros(2300);
            Sleep::new(deadline).await;
            let now = super::real_now();
            assert!(now >= deadline);
            // Generous: a loaded machine may be slow to schedule the thread, never early.
            assert!(now - deadline < Duration::from_millis(500));
        }
    }

    #[tokio::test]
    async fn dropped_sleeps_leave_nothing_behind_and_others_still_wake() {
        let far = super::real_now() + Duration::from_secs(3600);
        for _ in 0..100 {
            let mut sleep = Box::pin(Sleep::new(far));
            assert!(futures_poll_once(sleep.as_mut()).is_pending());
        }
        let service = super::Service::get().expect("the timer thread");
        assert_eq!(service.lock().waiting.range((far, 0)..).count(), 0);
        Sleep::new(super::real_now() + Duration::from_millis(3)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn never_returns_before_tokios_clock_says_so() {
        // Paused: tokio's clock stands still while real time passes; the sleep must follow tokio.
        let start = tokio::time::Instant::now();
        let deadline = start + Duration::from_millis(50);
        super::sleep_until(deadline).await;
        assert!(tokio::time::Instant::now() >= deadline);
    }

    fn futures_poll_once(future: Pin<&mut Sleep>) -> Poll<()> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }
}
