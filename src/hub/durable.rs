//! An event's durable part: its state, its journal and snapshots, and the
//! commands applied in memory whose records are not on disk yet.
//!
//! Start-up (the demo setup, the bootstrap invite, an instance's new event)
//! and the hub both change durable state only through [`Durable::apply`]:
//! check, apply, journal, in this one place. What waits for a record to be
//! durable (the hub's acks and replies) is held here in journal order and
//! handed back by [`Durable::release`].

use super::actor::AfterCommit;
use crate::domain::{Command, DomainError, Effect, Event, MemberId, Millis};
use crate::store::{Journal, Snapshotter, StoreError};
use std::collections::VecDeque;

/// A durable command applied in memory, waiting for its record to be durable.
pub(super) struct Pending {
    pub seq: u64,
    pub effects: Vec<Effect>,
    pub then: AfterCommit,
}

/// Why [`Durable::apply`] changed nothing, or applied without journaling.
#[derive(Debug)]
pub enum ApplyError {
    /// The store cannot take a record now: nothing was applied.
    Unready(StoreError),
    /// The domain refused the command: nothing was applied.
    Refused(DomainError),
    /// Applied in memory but not journaled: only possible if the writer task
    /// died, which the store reports loudly.
    Unjournaled(StoreError),
}

/// The event with its journal, snapshots and pending records.
pub struct Durable {
    event: Event,
    journal: Journal,
    snapshotter: Snapshotter,
    pending: VecDeque<Pending>,
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durable")
            .field("event", &self.event.state().id)
            .field("next_seq", &self.journal.next_seq())
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl Durable {
    pub fn new(event: Event, journal: Journal, snapshotter: Snapshotter) -> Durable {
        Durable {
            event,
            journal,
            snapshotter,
            pending: VecDeque::new(),
        }
    }

    pub fn event(&self) -> &Event {
        &self.event
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// The shared core of every durable change: check, apply, journal.
    /// Returns the record's sequence number and the effects to route once
    /// it is durable.
    pub fn apply(
        &mut self,
        actor: Option<MemberId>,
        command: Command,
        now: Millis,
    ) -> Result<(u64, Vec<Effect>), ApplyError> {
        // Refuse before applying: what is applied must be journaled.
        self.journal.ready().map_err(ApplyError::Unready)?;
        // `apply` checks everything before changing anything.
        let effects = self
            .event
            .apply(actor, &command, now)
            .map_err(ApplyError::Refused)?;
        match self.journal.append(now, actor, command) {
            Ok(seq) => Ok((seq, effects)),
            Err(err) => {
                tracing::error!(%err, "journal append failed after apply");
                Err(ApplyError::Unjournaled(err))
            }
        }
    }

    /// Changes that are never journaled (moving, connecting, summoning,
    /// time passing): `f` must not call [`Event::apply`], which only
    /// [`Durable::apply`] calls.
    pub fn ephemeral<R>(&mut self, f: impl FnOnce(&mut Event) -> R) -> R {
        f(&mut self.event)
    }

    /// Holds `then` (and the effects) until record `seq` is durable.
    pub(super) fn hold(&mut self, seq: u64, effects: Vec<Effect>, then: AfterCommit) {
        self.pending.push_back(Pending { seq, effects, then });
    }

    /// Whether record `seq` is applied but not durable yet.
    pub fn is_pending(&self, seq: u64) -> bool {
        self.pending.iter().any(|p| p.seq == seq)
    }

    /// The last record waiting to be durable, if any.
    pub fn last_pending(&self) -> Option<u64> {
        self.pending.back().map(|p| p.seq)
    }

    /// The first record waiting to be durable, if any.
    pub fn first_pending(&self) -> Option<u64> {
        self.pending.front().map(|p| p.seq)
    }

    /// How many applied commands wait for their record.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// The next held command whose record is durable by `upto`, in order.
    pub(super) fn release(&mut self, upto: u64) -> Option<Pending> {
        if self.pending.front().is_some_and(|p| p.seq <= upto) {
            self.pending.pop_front()
        } else {
            None
        }
    }

    /// Asks the snapshot thread for a snapshot when something durable
    /// changed since the last one written, and saves where people stand
    /// (best effort, see `store::places`). Only the clone of the state
    /// happens here; encoding and writing are on the snapshot thread.
    pub fn snapshot(&mut self) {
        self.snapshotter.save_places(self.event.places());
        let covers = self.journal.next_seq().saturating_sub(1);
        if covers > self.snapshotter.snapshot_seq() {
            self.snapshotter.request(self.event.state().clone(), covers);
        }
    }

    /// Closes the journal and the snapshot thread.
    pub async fn close(self) {
        self.journal.close().await;
        self.snapshotter.close().await;
    }
}
