//! The hub's link to one connection: a bounded queue for frames that must
//! arrive (chat, state changes, replies), a latest-wins slot for position
//! batches, and a close signal.
//!
//! A position batch is written by the hub itself when the connection has
//! nothing else waiting ([`SessionLink::write_positions`]): then its task is
//! not woken at all. Otherwise the batch takes the slot and wakes the task,
//! which writes it after what was queued before it.
//!
//! The hub never waits on a client. A full queue means the client cannot keep
//! up: it is closed with [`CloseCode::TooSlow`] and resynchronizes when it comes
//! back, rather than silently missing a message.

use super::outbox::{Push, Queue};
use super::signal::Signal;
use crate::protocol::{CloseCode, Frame};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;

/// A connection's socket as the hub may write it, between the connection
/// task's own writes (implemented by `net::wire::Wire`).
pub trait DirectWrite: Send + Sync + std::fmt::Debug {
    /// Writes `frames` in order, now, if nothing else waits to be written
    /// on the socket and `clear` (asked under the socket's write lock)
    /// agrees. Never waits.
    fn write_now(
        &self,
        frames: &mut dyn Iterator<Item = &Frame>,
        clear: &dyn Fn() -> bool,
    ) -> Written;
}

/// What [`DirectWrite::write_now`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The socket took every byte.
    Whole,
    /// The socket took part (or none) of it; the rest waits for the
    /// connection task, which must be woken.
    Rest,
    /// Nothing written: something waits before these frames.
    Refused,
}

/// Identifies one WebSocket connection, server-wide.
pub type ConnId = u64;

/// Why and how a connection should be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseReason {
    pub code: CloseCode,
    pub reason: &'static str,
}

/// State shared between the hub and one connection task.
#[derive(Debug)]
pub struct SessionShared {
    /// Frames that must arrive, in order.
    queue: Queue,
    positions: Mutex<Option<Frame>>,
    /// A batch was overwritten before being sent: the next one must be a full
    /// snapshot of the room, since change-only batches were lost.
    stale: AtomicBool,
    close: Mutex<Option<CloseReason>>,
    /// The connection's one wake-up: a frame queued, a position batch, a
    /// close request, or the last link gone.
    wake: Signal,
    /// Signalled by [`SessionLink::close`] only, so a connection stuck writing
    /// to a client that stopped reading can give up without taking `wake`
    /// permits meant for position batches.
    closing: Notify,
    /// The socket, for the hub's own writes; weak, so that the socket is
    /// closed when the connection task ends, whoever still holds a link.
    wire: Option<Weak<dyn DirectWrite>>,
}

impl SessionShared {
    fn new(queue: usize, wire: Option<Weak<dyn DirectWrite>>) -> SessionShared {
        SessionShared {
            queue: Queue::new(queue),
            positions: Mutex::new(None),
            stale: AtomicBool::new(false),
            close: Mutex::new(None),
            wake: Signal::default(),
            closing: Notify::new(),
            wire,
        }
    }

    /// Whether a batch may be written now: nothing queued or in the slot
    /// (they go first), no close asked for.
    fn clear_to_write(&self) -> bool {
        self.queue.is_empty()
            && self.positions.lock().is_ok_and(|slot| slot.is_none())
            && self.close.lock().is_ok_and(|close| close.is_none())
    }

    /// Waits until there is something to do: frames or a position batch to
    /// write, a close request, or the last link gone.
    pub async fn woken(&self) {
        self.wake.wait().await
    }

    /// Resolves once the hub asked to close this connection.
    pub async fn close_requested(&self) {
        loop {
            if self.close_reason().is_some() {
                return;
            }
            self.closing.notified().await;
        }
    }

    /// Asks for the connection to close with this code (from the hub or from
    /// the connection itself). The first reason wins: returns whether this
    /// one was the first.
    pub fn request_close(&self, code: CloseCode, reason: &'static str) -> bool {
        let first = match self.close.lock() {
            Ok(mut slot) => {
                let first = slot.is_none();
                slot.get_or_insert(CloseReason { code, reason });
                first
            }
            Err(_) => false,
        };
        self.wake.notify();
        self.closing.notify_one();
        first
    }

    /// The pending close request, if any.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.close.lock().map(|c| *c).unwrap_or(Some(CloseReason {
            code: CloseCode::InternalError,
            reason: "internal error",
        }))
    }

    /// Takes the latest position batch, if any.
    pub fn take_positions(&self) -> Option<Frame> {
        self.positions.lock().ok().and_then(|mut slot| slot.take())
    }

    /// Whether the client needs a full room snapshot; clears the flag.
    pub fn take_stale(&self) -> bool {
        // Read first: a swap takes the cache line for writing, every tick.
        self.stale.load(Ordering::Acquire) && self.stale.swap(false, Ordering::AcqRel)
    }

    /// Asks for a full room snapshot at the next tick (e.g. after entering a room).
    pub fn mark_stale(&self) {
        self.stale.store(true, Ordering::Release);
    }
}

/// The hub's handle on one connection. Clones share the queue; once the
/// last one is dropped the connection's [`Outbox`] ends.
#[derive(Debug)]
pub struct SessionLink {
    pub conn: ConnId,
    shared: Arc<SessionShared>,
}

impl Clone for SessionLink {
    fn clone(&self) -> SessionLink {
        self.shared.queue.add_sender();
        SessionLink {
            conn: self.conn,
            shared: self.shared.clone(),
        }
    }
}

impl Drop for SessionLink {
    fn drop(&mut self) {
        if self.shared.queue.remove_sender() {
            self.shared.wake.notify();
        }
    }
}

/// The connection task's end of the queue. Dropping it (the task ended)
/// drops what is still queued and makes [`SessionLink::send`] report
/// [`Delivery::Gone`].
#[derive(Debug)]
pub struct Outbox {
    shared: Arc<SessionShared>,
}

impl Outbox {
    /// The next frame; `None` once the hub let go of the connection (every
    /// link dropped) and nothing is left. Cancel-safe. It waits on the
    /// connection's one wake-up, which it may take from a position batch:
    /// a connection that also writes batches waits on
    /// [`SessionShared::woken`] and reads with [`Outbox::try_recv`].
    pub async fn recv(&mut self) -> Option<Frame> {
        loop {
            if let Some(frame) = self.try_recv() {
                return Some(frame);
            }
            if self.is_ended() {
                return None;
            }
            self.shared.wake.wait().await;
        }
    }

    /// The next frame if one is already queued.
    pub fn try_recv(&mut self) -> Option<Frame> {
        self.shared.queue.try_pop()
    }

    /// Whether the hub let go of the connection (every link dropped) and
    /// nothing is left to write.
    pub fn is_ended(&self) -> bool {
        self.shared.queue.is_ended()
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.shared.queue.close();
    }
}

/// What happened to a frame handed to [`SessionLink::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Queued,
    /// The queue was full: the connection is being closed as too slow.
    /// Told once; later frames to the closing connection are [`Delivery::Gone`].
    Overflowed,
    /// The connection is already gone.
    Gone,
}

impl SessionLink {
    /// A link and the receiving half for the connection task; at most
    /// `queue` frames wait in between.
    pub fn new(conn: ConnId, queue: usize) -> (SessionLink, Outbox, Arc<SessionShared>) {
        SessionLink::with_wire(conn, queue, None)
    }

    /// The same, for a connection whose socket the hub may write position
    /// batches to itself.
    pub fn with_wire(
        conn: ConnId,
        queue: usize,
        wire: Option<Weak<dyn DirectWrite>>,
    ) -> (SessionLink, Outbox, Arc<SessionShared>) {
        let shared = Arc::new(SessionShared::new(queue, wire));
        let outbox = Outbox {
            shared: shared.clone(),
        };
        (
            SessionLink {
                conn,
                shared: shared.clone(),
            },
            outbox,
            shared,
        )
    }

    /// Queues a frame that must arrive and wakes the connection. Never waits.
    pub fn send(&self, frame: Frame) -> Delivery {
        let pushed = self.shared.queue.push(frame);
        if pushed == Push::Queued {
            self.shared.wake.notify();
        }
        self.delivery(pushed)
    }

    /// Queues a frame that must arrive, to go out with the position batch
    /// offered right after: the connection is woken once, by
    /// [`SessionLink::offer_positions`], and writes both at once.
    pub fn send_before_positions(&self, frame: Frame) -> Delivery {
        self.delivery(self.shared.queue.push(frame))
    }

    fn delivery(&self, pushed: Push) -> Delivery {
        match pushed {
            Push::Queued => Delivery::Queued,
            Push::Full => {
                let reason = "too slow: outbound queue full";
                if self.shared.request_close(CloseCode::TooSlow, reason) {
                    Delivery::Overflowed
                } else {
                    Delivery::Gone
                }
            }
            Push::Closed => Delivery::Gone,
        }
    }

    /// Writes `before` (answers) and then the position batch straight to the
    /// socket if nothing waits before them; a write the socket did not take
    /// whole is finished by the connection task. Returns false, having
    /// written nothing, when the connection has something waiting (or no
    /// socket the hub can write): then queue `before` and offer the batch.
    pub fn write_positions<'a>(
        &self,
        before: impl Iterator<Item = &'a Frame>,
        batch: &'a Frame,
    ) -> bool {
        let Some(wire) = self.shared.wire.as_ref().and_then(Weak::upgrade) else {
            return false;
        };
        let mut frames = before.chain(std::iter::once(batch));
        match wire.write_now(&mut frames, &|| self.shared.clear_to_write()) {
            Written::Whole => true,
            Written::Rest => {
                self.shared.wake.notify();
                true
            }
            Written::Refused => false,
        }
    }

    /// Replaces the pending position batch. Returns true if one was still
    /// unsent (the client is behind; it will get a full snapshot next).
    pub fn offer_positions(&self, frame: Frame) -> bool {
        let replaced = match self.shared.positions.lock() {
            Ok(mut slot) => slot.replace(frame).is_some(),
            Err(_) => false,
        };
        if replaced {
            self.shared.stale.store(true, Ordering::Release);
        }
        self.shared.wake.notify();
        replaced
    }

    /// Asks the connection task to close with this code. The first reason wins.
    pub fn close(&self, code: CloseCode, reason: &'static str) {
        let _ = self.shared.request_close(code, reason);
    }

    pub fn shared(&self) -> &SessionShared {
        &self.shared
    }

    /// Whether the connection task has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.queue.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_sent_before_positions_wait_for_the_batch_to_wake_the_connection() {
        let (link, mut rx, shared) = SessionLink::new(1, 1);
        // A connection already waiting on its queue is not woken by it.
        let (woken, ()) = tokio::join!(
            tokio::time::timeout(std::time::Duration::from_millis(50), rx.recv()),
            async {
                tokio::task::yield_now().await;
                let queued = link.send_before_positions(Frame::from("ack"));
                assert_eq!(queued, Delivery::Queued);
            }
        );
        assert!(woken.is_err(), "not woken by the quiet frame");
        link.offer_positions(Frame::from("batch"));
        tokio::time::timeout(std::time::Duration::from_secs(1), shared.woken())
            .await
            .unwrap();
        assert_eq!(rx.try_recv().as_deref(), Some("ack"));
        assert_eq!(shared.take_positions().as_deref(), Some("batch"));
        // Still bounded: a full queue closes as too slow.
        link.send_before_positions(Frame::from("a"));
        assert_eq!(
            link.send_before_positions(Frame::from("b")),
            Delivery::Overflowed
        );
        assert_eq!(
            shared.close_reason().map(|r| r.code),
            Some(CloseCode::TooSlow)
        );
    }

    #[tokio::test]
    async fn a_full_queue_closes_as_too_slow() {
        let (link, mut rx, shared) = SessionLink::new(1, 2);
        assert_eq!(link.send(Frame::from("a")), Delivery::Queued);
        assert_eq!(link.send(Frame::from("b")), Delivery::Queued);
        assert_eq!(link.send(Frame::from("c")), Delivery::Overflowed);
        assert_eq!(
            shared.close_reason().map(|r| r.code),
            Some(CloseCode::TooSlow)
        );
        // Told once, so the slow client is counted once.
        assert_eq!(link.send(Frame::from("d")), Delivery::Gone);
        assert_eq!(rx.recv().await.as_deref(), Some("a"));
    }

    #[tokio::test]
    async fn the_outbox_ends_once_every_link_is_dropped_and_it_is_drained() {
        let (link, mut rx, _shared) = SessionLink::new(1, 4);
        let copy = link.clone();
        assert_eq!(link.send(Frame::from("a")), Delivery::Queued);
        drop(link);
        assert_eq!(copy.send(Frame::from("b")), Delivery::Queued);
        let waiting = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(frame) = rx.recv().await {
                got.push(frame.to_string());
            }
            got
        });
        tokio::task::yield_now().await;
        drop(copy);
        let got = tokio::time::timeout(std::time::Duration::from_secs(1), waiting)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, ["a", "b"]);
    }

    #[test]
    fn a_link_to_an_ended_connection_reports_it_gone() {
        let (link, rx, _shared) = SessionLink::new(1, 4);
        assert!(!link.is_closed());
        drop(rx);
        assert!(link.is_closed());
        assert_eq!(link.send(Frame::from("a")), Delivery::Gone);
    }

    #[test]
    fn an_emptied_queue_gives_back_what_a_burst_grew() {
        let (link, mut rx, shared) = SessionLink::new(1, 1024);
        for _ in 0..1000 {
            assert_eq!(link.send(Frame::from("x")), Delivery::Queued);
        }
        assert!(shared.queue.capacity() >= 1000);
        while rx.try_recv().is_some() {}
        assert_eq!(shared.queue.capacity(), 0);
    }

    #[tokio::test]
    async fn close_requests_wake_a_stuck_writer_without_stealing_position_wakeups() {
        let (link, _rx, shared) = SessionLink::new(1, 2);
        link.offer_positions(Frame::from("p1"));
        link.close(CloseCode::TooSlow, "too slow");
        shared.close_requested().await;
        // The position wake-up is still there for the connection loop.
        tokio::time::timeout(std::time::Duration::from_secs(1), shared.woken())
            .await
            .unwrap();
        assert_eq!(
            shared.close_reason().map(|r| r.code),
            Some(CloseCode::TooSlow)
        );
    }

    #[test]
    fn positions_are_latest_wins_and_mark_the_client_stale() {
        let (link, _rx, shared) = SessionLink::new(1, 2);
        assert!(!link.offer_positions(Frame::from("p1")));
        assert!(link.offer_positions(Frame::from("p2")));
        assert_eq!(shared.take_positions().as_deref(), Some("p2"));
        assert!(shared.take_stale());
        assert!(!shared.take_stale());
    }
}
