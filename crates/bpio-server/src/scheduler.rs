//! Per-device output scheduling with a timing gap (docs/PROTOCOL.md 8).
//!
//! Slow links (Bluetooth LE above all) jam when commands come faster than they can carry them, so
//! client output reaches a device at most once per gap `G`. Commands arriving inside the gap wait
//! as the *pending command of their feature*, the newest replacing the older one; when the gap
//! ends, every pending command goes out together in ascending feature order, so a protocol can
//! bundle them into one write. Stops never wait. Keep-alive resends are the protocol's business
//! and are exempt from the gap. Commands dispatched while the driver is still busy with an
//! earlier write merge into one write of the newest values, as held commands do.
//!
//! The scheduler is sans-IO and generic over the command type: time is an argument, and what is
//! to be sent is collected with [`DeviceScheduler::poll_transmit`]. A driver sleeps until
//! [`DeviceScheduler::poll_timeout`], calls [`DeviceScheduler::handle_timeout`], then drains
//! `poll_transmit` into the device.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// Something the driver must send to the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch<C> {
    /// Client commands, one per feature in ascending feature order. Counts as a dispatch for the
    /// gap.
    Commands(Vec<(u32, C)>),
    /// Stop commands, one per stopped feature in ascending feature order. Sent at once, whatever
    /// the gap, and counts as a dispatch for it.
    Stop(Vec<(u32, C)>),
    /// The device's keep-alive is due: the protocol resends what it needs to. Exempt from the gap.
    Keepalive,
}

/// What became of a command handed to [`DeviceScheduler::handle_command`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// Queued for sending now: collect it with [`DeviceScheduler::poll_transmit`].
    Dispatched,
    /// Held until the gap ends; a newer command for the same feature will replace it.
    Held,
    /// Identical to what the device already has or will get: nothing new is queued.
    Duplicate,
}

/// The output schedule of one device.
#[derive(Debug, Clone)]
pub struct DeviceScheduler<C> {
    gap: Duration,
    keepalive: Option<Duration>,
    /// When client commands or stops were last dispatched; the gap counts from here.
    last_dispatch: Option<Instant>,
    /// When anything, keep-alives included, was last sent (or the device connected); the
    /// keep-alive counts from here.
    last_write: Option<Instant>,
    /// The newest held command per feature.
    pending: BTreeMap<u32, C>,
    /// The last command dispatched per feature: what the device is doing now.
    sent: BTreeMap<u32, C>,
    transmit: VecDeque<Dispatch<C>>,
}

impl<C: Clone + PartialEq> DeviceScheduler<C> {
    /// A scheduler enforcing `gap` between dispatches (zero: no limit), asking for a keep-alive
    /// after `keepalive` without any write, if the device's protocol needs one.
    pub fn new(gap: Duration, keepalive: Option<Duration>) -> Self {
        Self {
            gap,
            keepalive,
            last_dispatch: None,
            last_write: None,
            pending: BTreeMap::new(),
            sent: BTreeMap::new(),
            transmit: VecDeque::new(),
        }
    }

    /// The enforced gap.
    pub fn gap(&self) -> Duration {
        self.gap
    }

    /// Whether a command is waiting for the gap to end.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The device is connected and ready at `now`: keep-alives count from here, so a device
    /// that needs them gets them before the client's first command too (the protocol then
    /// sends its resting state).
    pub fn handle_connected(&mut self, now: Instant) {
        self.last_write.get_or_insert(now);
    }

    /// The protocol's own timer wrote to the device at `now` (a paced movement): that is
    /// traffic too, so the next keep-alive counts from here and never lands mid-movement.
    pub fn handle_written(&mut self, now: Instant) {
        self.last_write = Some(now);
    }

    /// Takes an accepted client command for `feature`.
    pub fn handle_command(&mut self, now: Instant, feature: u32, command: C) -> Enqueued {
        self.handle_commands(now, [(feature, command)])
    }

    /// Takes accepted client commands that belong together (one client message addressing
    /// several features): they are held or dispatched as one, never split by the gap.
    pub fn handle_commands(
        &mut self,
        now: Instant,
        commands: impl IntoIterator<Item = (u32, C)>,
    ) -> Enqueued {
        let mut held = false;
        for (feature, command) in commands {
            held |= self.hold(feature, command);
        }
        if !held {
            Enqueued::Duplicate
        } else if self.gap_is_over(now) {
            self.flush(now);
            Enqueued::Dispatched
        } else {
            Enqueued::Held
        }
    }

    /// Makes `command` the pending command of `feature`, unless it changes nothing; returns
    /// whether it is pending.
    fn hold(&mut self, feature: u32, command: C) -> bool {
        let pending = self.pending.get(&feature);
        if pending.or_else(|| self.sent.get(&feature)) == Some(&command) {
            return false;
        }
        if pending.is_some() && self.sent.get(&feature) == Some(&command) {
            // The device already runs this value: drop the change still waiting, send nothing.
            self.pending.remove(&feature);
            return false;
        }
        self.pending.insert(feature, command);
        true
    }

    /// Stops `feature` (or every feature when `None`): held commands for the selection are
    /// discarded and `stops`, the stop command of each selected feature that has one, go out at
    /// once. A stop is never deduplicated.
    pub fn handle_stop(&mut self, now: Instant, feature: Option<u32>, mut stops: Vec<(u32, C)>) {
        match feature {
            Some(feature) => {
                self.pending.remove(&feature);
            }
            None => self.pending.clear(),
        }
        if stops.is_empty() {
            return;
        }
        stops.sort_by_key(|(feature, _)| *feature);
        for (feature, command) in &stops {
            self.sent.insert(*feature, command.clone());
        }
        self.transmit.push_back(Dispatch::Stop(stops));
        self.last_dispatch = Some(now);
        self.last_write = Some(now);
    }

    /// Advances to `now`: sends held commands whose gap is over, and a keep-alive when due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.pending.is_empty() && self.gap_is_over(now) {
            self.flush(now);
        }
        if let Some(due) = self.keepalive_due()
            && due <= now
        {
            self.transmit.push_back(Dispatch::Keepalive);
            self.last_write = Some(now);
        }
    }

    /// Forgets everything held and queued, for a device that went away. What the device was last
    /// sent is kept, so it can be compared with again after a reconnect.
    pub fn handle_disconnect(&mut self) {
        self.pending.clear();
        self.transmit.clear();
    }

    /// The next thing to send, oldest first.
    pub fn poll_transmit(&mut self) -> Option<Dispatch<C>> {
        self.transmit.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called: the end of the gap while commands are
    /// held, or the next keep-alive.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let gap_end = if self.pending.is_empty() {
            None
        } else {
            self.last_dispatch.and_then(|at| at.checked_add(self.gap))
        };
        match (gap_end, self.keepalive_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn gap_is_over(&self, now: Instant) -> bool {
        match self.last_dispatch {
            None => true,
            _ if self.gap.is_zero() => true,
            // An end beyond what Instant can hold never comes.
            Some(at) => at.checked_add(self.gap).is_some_and(|end| end <= now),
        }
    }

    fn keepalive_due(&self) -> Option<Instant> {
        self.last_write?.checked_add(self.keepalive?)
    }

    fn flush(&mut self, now: Instant) {
        let pending = std::mem::take(&mut self.pending);
        for (feature, command) in &pending {
            self.sent.insert(*feature, command.clone());
        }
        // Client commands the driver has not collected yet (it was busy writing) take the newer
        // values in, so a burst costs the device one write, not one per command. Never across a
        // stop: a stop queued behind them ends the merging.
        if let Some(Dispatch::Commands(waiting)) = self.transmit.back_mut() {
            let mut merged: BTreeMap<u32, C> = std::mem::take(waiting).into_iter().collect();
            merged.extend(pending);
            *waiting = merged.into_iter().collect();
        } else {
            self.transmit.push_back(Dispatch::Commands(pending.into_iter().collect()));
        }
        self.last_dispatch = Some(now);
        self.last_write = Some(now);
    }
}

#[cfg(test)]
mod tests;
