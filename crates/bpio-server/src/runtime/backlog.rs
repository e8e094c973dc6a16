//! Back-pressure between a session and the devices.
//!
//! Every request a session hands a device carries a [`Ticket`]; the ticket is dropped when the
//! device task has taken the work up (or when the work has nowhere to go). While too many
//! tickets are out, the session stops reading its client, so a client that floods commands at a
//! slow device is slowed down by its own socket instead of growing a queue in the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// The work handed to the devices and not yet taken up. Cheap to clone; clones share the count.
#[derive(Debug, Clone, Default)]
pub(crate) struct Backlog(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    count: AtomicUsize,
    taken: Notify,
}

impl Backlog {
    /// Counts one more piece of work until the ticket is dropped.
    pub(crate) fn ticket(&self) -> Ticket {
        self.0.count.fetch_add(1, Ordering::Relaxed);
        Ticket(self.clone())
    }

    /// The work not yet taken up.
    pub(crate) fn len(&self) -> usize {
        self.0.count.load(Ordering::Relaxed)
    }

    /// Waits until fewer than `limit` pieces of work are out.
    pub(crate) async fn below(&self, limit: usize) {
        loop {
            let taken = self.0.taken.notified();
            tokio::pin!(taken);
            // Registered before the check, so a ticket dropped in between still wakes us.
            taken.as_mut().enable();
            if self.len() < limit {
                return;
            }
            taken.await;
        }
    }
}

/// One piece of work in the [`Backlog`]; dropping it marks the work taken up.
#[derive(Debug)]
pub(crate) struct Ticket(Backlog);

impl Drop for Ticket {
    fn drop(&mut self) {
        self.0.0.count.fetch_sub(1, Ordering::Relaxed);
        self.0.0.taken.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::Backlog;

    #[tokio::test]
    async fn tickets_count_until_dropped_and_wake_a_waiter() {
        let backlog = Backlog::default();
        let first = backlog.ticket();
        let second = backlog.ticket();
        assert_eq!(backlog.len(), 2);
        let waiter = tokio::spawn({
            let backlog = backlog.clone();
            async move { backlog.below(2).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(first);
        waiter.await.unwrap();
        drop(second);
        assert_eq!(backlog.len(), 0);
        backlog.below(1).await;
    }
}
