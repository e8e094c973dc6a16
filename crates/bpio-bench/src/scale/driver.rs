//! A driver: one client in a task of its own that, for each plan it is given, drives its devices'
//! vibrators at a steady rate through a window, pings, reads every reply, and hands back what it
//! sent and when.
//!
//! A driver with many devices spreads them over the period in slots (a tenth of the period each
//! at most), as independent devices would be driven, rather than sending one burst a period.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use bpio_protocol::MessageSet;
use bpio_protocol::v4::{self, ServerMessage};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::analysis::Stamped;
use crate::client::{self, Client, PATIENCE};

/// How often a driver pings while it drives.
const PING_EVERY: Duration = Duration::from_millis(250);

/// The most slots a period is split into.
const MAX_SLOTS: usize = 10;

/// The vibrator of one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Target {
    /// Device index.
    pub(super) device: u32,
    /// Index of the feature with the vibrator.
    pub(super) feature: u32,
}

/// When a step's commands start, when its measured part starts, and when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Window {
    /// The first command (the warm-up starts).
    pub(super) start: Instant,
    /// The warm-up is over; what is sent from here on counts.
    pub(super) measure: Instant,
    /// No command is sent from here on.
    pub(super) end: Instant,
}

/// What one driver does in one step.
#[derive(Debug)]
pub(super) struct Plan {
    /// Its devices, each driven at `rate_hz`.
    pub(super) targets: Vec<Target>,
    /// Commands per second to each device.
    pub(super) rate_hz: u32,
    /// The step's window.
    pub(super) window: Window,
    /// Its phase: its first command goes out this long after the window starts, so that many
    /// drivers do not all send in the same instant.
    pub(super) offset: Duration,
    /// Where the record goes when every reply is in.
    pub(super) done: oneshot::Sender<Result<Record>>,
}

/// What one driver sent in one step, and what came back.
#[derive(Debug, Clone, Default)]
pub(super) struct Record {
    /// Per target, in the plan's order: every command, when it was handed to the socket and its
    /// level.
    pub(super) sent: Vec<Vec<Stamped>>,
    /// Replies `Ok` to commands.
    pub(super) oks: u64,
    /// Replies other than `Ok`, and commands never answered.
    pub(super) errors: u64,
    /// The first reply other than `Ok`.
    pub(super) first_error: Option<String>,
    /// Each answered ping's round trip.
    pub(super) pings: Vec<Duration>,
    /// Pings never answered.
    pub(super) unanswered_pings: usize,
}

/// A running driver; dropping it ends its task and its connection.
#[derive(Debug)]
pub(super) struct Driver {
    plans: mpsc::UnboundedSender<Plan>,
    task: JoinHandle<()>,
}

impl Driver {
    /// Hands `client` (after its handshake) to a new driver task.
    pub(super) fn spawn(mut client: Client) -> Self {
        let (plans, mut inbox) = mpsc::unbounded_channel::<Plan>();
        let task = tokio::spawn(async move {
            while let Some(plan) = inbox.recv().await {
                let record = drive(&mut client, &plan).await;
                let failed = record.is_err();
                let _ = plan.done.send(record);
                if failed {
                    return;
                }
            }
            client.close().await;
        });
        Self { plans, task }
    }

    /// Gives the driver `plan`; its record arrives on the plan's `done`.
    pub(super) fn give(&self, plan: Plan) -> Result<()> {
        if self.plans.send(plan).is_err() {
            bail!("a driver has ended (its connection failed in an earlier step)");
        }
        Ok(())
    }

    /// Closes the connection with a close frame and waits (briefly) for the task to end.
    pub(super) async fn close(self) {
        drop(self.plans);
        let _ = tokio::time::timeout(PATIENCE, self.task).await;
    }
}

/// The level of the `n`th command to a device: 1 to 20 and round again, so no two commands in a
/// row repeat a level (a server may skip a repeat) and none is 0, which is what a stop writes.
pub fn level(n: u64) -> i64 {
    i64::try_from(n % 20).unwrap_or(0) + 1
}

/// Replies outstanding and read.
#[derive(Debug, Default)]
struct Replies {
    /// Commands sent and not answered yet.
    outstanding: u64,
    /// Pings sent and not answered yet, by Id, with when they were sent.
    pings: HashMap<u32, Instant>,
}

impl Replies {
    /// Reads every reply that has arrived into `record`; with a `wait`, also those that arrive
    /// within it.
    async fn read(
        &mut self,
        client: &mut Client,
        wait: Option<Duration>,
        record: &mut Record,
    ) -> Result<()> {
        loop {
            let received = match wait {
                None => client.try_next()?,
                Some(wait) => client.next_within(wait).await?,
            };
            let Some(received) = received else { return Ok(()) };
            let id = match &received.message {
                Ok(message) => message.id(),
                Err(err) => err.id,
            };
            // Events (device lists) carry Id 0 and are no reply.
            if id == 0 {
                continue;
            }
            if let Some(sent) = self.pings.remove(&id) {
                record.pings.push(received.at.saturating_duration_since(sent));
                continue;
            }
            self.outstanding = self.outstanding.saturating_sub(1);
            match received.message {
                Ok(ServerMessage::Ok(_)) => record.oks += 1,
                other => {
                    record.errors += 1;
                    record.first_error.get_or_insert_with(|| format!("{other:?}"));
                }
            }
        }
    }

    fn done(&self) -> bool {
        self.outstanding == 0 && self.pings.is_empty()
    }
}

/// Drives `plan` to its end, then waits for every reply.
async fn drive(client: &mut Client, plan: &Plan) -> Result<Record> {
    let mut record = Record { sent: vec![Vec::new(); plan.targets.len()], ..Record::default() };
    let mut replies = Replies::default();
    // What arrived between steps (device list events) is no reply of this one.
    while client.try_next()?.is_some() {}
    let slots = plan.targets.len().clamp(1, MAX_SLOTS);
    let period = Duration::from_secs(1) / plan.rate_hz.max(1);
    let tick = period / u32::try_from(slots).unwrap_or(1);
    let first = plan.window.start + plan.offset;
    let mut ticks = tokio::time::interval_at(first.into(), tick);
    // A late tick puts the next one a whole tick after it: no two commands to one device go out
    // less than a period apart. Catching up in a burst would hand the server two commands to
    // one device at once, which a server that keeps the newest value for a busy device merges,
    // and the tool's delay would count as the server's missed writes. The rate drops instead,
    // and the step says so.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut counts = vec![0_u64; plan.targets.len()];
    let mut next_ping = first;
    for slot in (0..slots).cycle() {
        ticks.tick().await;
        let now = Instant::now();
        if now >= plan.window.end {
            break;
        }
        let this_slot = plan.targets.iter().zip(&mut counts).zip(&mut record.sent).skip(slot);
        for ((target, count), sent) in this_slot.step_by(slots) {
            let level = level(*count);
            *count += 1;
            let id = client.fresh_id();
            let at = client.send(client::vibrate(id, target.device, target.feature, level)).await?;
            sent.push((at, level));
            replies.outstanding += 1;
        }
        if now >= next_ping {
            let id = client.fresh_id();
            let at = client.send(v4::Ping { id }.into()).await?;
            replies.pings.insert(id.get(), at);
            next_ping = now + PING_EVERY;
        }
        replies.read(client, None, &mut record).await?;
    }
    let deadline = Instant::now() + PATIENCE;
    while !replies.done() && Instant::now() < deadline {
        replies.read(client, Some(Duration::from_millis(50)), &mut record).await?;
    }
    record.errors += replies.outstanding;
    record.unanswered_pings = replies.pings.len();
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_never_repeat_and_are_never_a_stop() {
        let levels: Vec<i64> = (0..45).map(level).collect();
        assert!(levels.windows(2).all(|pair| pair[0] != pair[1]));
        assert!(levels.iter().all(|&level| (1..=20).contains(&level)));
        assert_eq!(levels[..3], [1, 2, 3]);
        assert_eq!(levels[19..22], [20, 1, 2]);
    }
}
