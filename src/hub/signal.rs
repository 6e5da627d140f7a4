//! A wake-up for the one task that waits on it (a connection task): a flag
//! and the task's waker. Like a `Notify` with one waiter and one stored
//! permit, without its waiter list: waiting again with the same task only
//! checks that the stored waker is still its own, so a task that waits on
//! it in every turn of its loop (beside its socket) pays two atomic
//! operations per turn, not a lock to join and one to leave the list.

use futures_util::task::AtomicWaker;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

#[derive(Debug, Default)]
pub struct Signal {
    set: AtomicBool,
    waker: AtomicWaker,
}

impl Signal {
    /// Wakes the waiting task, or the next one to wait if none does.
    pub fn notify(&self) {
        self.set.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Resolves once notified since the last time it resolved.
    /// Cancel-safe: a notification is kept until a wait takes it.
    pub async fn wait(&self) {
        poll_fn(|cx| {
            if self.take() {
                return Poll::Ready(());
            }
            self.waker.register(cx.waker());
            // A notification between the check and the registration.
            if self.take() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }

    fn take(&self) -> bool {
        self.set.load(Ordering::Acquire) && self.set.swap(false, Ordering::AcqRel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn a_notification_is_kept_once_and_wakes_a_waiting_task() {
        let signal = Arc::new(Signal::default());
        // Before anyone waits: kept, taken by the next wait, once.
        signal.notify();
        signal.notify();
        signal.wait().await;
        let again = tokio::time::timeout(Duration::from_millis(20), signal.wait()).await;
        assert!(again.is_err(), "two notifications are one wake-up");
        // While a task waits.
        let waiting = tokio::spawn({
            let signal = signal.clone();
            async move { signal.wait().await }
        });
        tokio::task::yield_now().await;
        signal.notify();
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("woken")
            .unwrap();
    }
}
