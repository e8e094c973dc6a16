//! Requests waiting for their reply, matched by Id (sans-IO: time is an argument).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use bpio_protocol::ClientId;

/// Outstanding requests by Id, each with a deadline and whoever waits for its reply.
///
/// Replies may arrive in any order; each is matched to its request by Id. Ids are handed out
/// in turn, skipping 0 and every Id still outstanding, so two requests in flight never share
/// one.
#[derive(Debug)]
pub(crate) struct Pending<W> {
    next: u32,
    waiting: BTreeMap<u32, (Instant, W)>,
    deadlines: BTreeSet<(Instant, u32)>,
}

impl<W> Pending<W> {
    pub(crate) fn new() -> Self {
        Self { next: 1, waiting: BTreeMap::new(), deadlines: BTreeSet::new() }
    }

    /// Registers a request whose reply is due by `deadline`; returns the Id to send it with.
    pub(crate) fn insert(&mut self, deadline: Instant, waiter: W) -> ClientId {
        let id = loop {
            let candidate = ClientId::new(self.next);
            self.next = self.next.wrapping_add(1);
            if let Some(id) = candidate
                && !self.waiting.contains_key(&id.get())
            {
                break id;
            }
        };
        self.waiting.insert(id.get(), (deadline, waiter));
        self.deadlines.insert((deadline, id.get()));
        id
    }

    /// The waiter of the request with `id`, which is no longer outstanding; `None` when no
    /// request with that Id is (a late reply after a timeout, or a stray Id).
    pub(crate) fn take(&mut self, id: u32) -> Option<W> {
        let (deadline, waiter) = self.waiting.remove(&id)?;
        self.deadlines.remove(&(deadline, id));
        Some(waiter)
    }

    /// The earliest deadline.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|(deadline, _)| *deadline)
    }

    /// Removes and returns the waiters whose deadline is `now` or earlier.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Vec<W> {
        let mut expired = Vec::new();
        while let Some(&(deadline, id)) = self.deadlines.first()
            && deadline <= now
        {
            expired.extend(self.take(id));
        }
        expired
    }

    /// Removes and returns every waiter.
    pub(crate) fn drain(&mut self) -> Vec<W> {
        self.deadlines.clear();
        std::mem::take(&mut self.waiting).into_values().map(|(_, waiter)| waiter).collect()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn replies_in_any_order_reach_their_own_request() {
        let now = Instant::now();
        let mut pending = Pending::new();
        let ids: Vec<u32> = (0..5).map(|n| pending.insert(now, n).get()).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
        assert_eq!(pending.take(4), Some(3));
        assert_eq!(pending.take(1), Some(0));
        assert_eq!(pending.take(4), None, "a second reply to one request matches nothing");
        assert_eq!(pending.take(99), None);
        assert_eq!(pending.len(), 3);
    }

    #[test]
    fn ids_skip_zero_and_those_still_outstanding_when_they_wrap() {
        let now = Instant::now();
        let mut pending = Pending::new();
        let first = pending.insert(now, "old");
        pending.next = u32::MAX;
        assert_eq!(pending.insert(now, "max").get(), u32::MAX);
        let wrapped = pending.insert(now, "wrapped");
        assert_eq!(first.get(), 1);
        assert_eq!(wrapped.get(), 2, "0 is reserved and 1 is still outstanding");
    }

    #[test]
    fn deadlines_expire_in_order_and_only_once() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut pending = Pending::new();
        pending.insert(at(30), "c");
        let a = pending.insert(at(10), "a");
        pending.insert(at(20), "b");
        assert_eq!(pending.poll_timeout(), Some(at(10)));
        assert_eq!(pending.handle_timeout(at(9)), Vec::<&str>::new());
        assert_eq!(pending.handle_timeout(at(20)), ["a", "b"]);
        assert_eq!(pending.take(a.get()), None);
        assert_eq!(pending.poll_timeout(), Some(at(30)));
        assert_eq!(pending.drain(), ["c"]);
        assert_eq!(pending.poll_timeout(), None);
    }

    #[test]
    fn a_request_answered_before_its_deadline_no_longer_times_out() {
        let now = Instant::now();
        let mut pending = Pending::new();
        let id = pending.insert(now, ());
        assert_eq!(pending.take(id.get()), Some(()));
        assert_eq!(pending.poll_timeout(), None);
        assert!(pending.handle_timeout(now + Duration::from_secs(1)).is_empty());
    }
}
