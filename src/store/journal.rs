//! The hub's handle on an event's journal.
//!
//! `append` never blocks the hub and never touches the disk: records go over a
//! channel to the writer thread ([`super::writer`]), which makes them durable
//! in groups and reports "durable up to seq N" on [`Journal::durable`].

use super::StoreError;
use super::health::StoreHealth;
use super::record::Record;
use super::writer::Shared;
use crate::domain::{Command, MemberId, Millis};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Where appended records go.
#[derive(Debug)]
enum Sink {
    /// Nothing is written; every record is "durable" at once.
    Memory(mpsc::UnboundedSender<Record>),
    /// The writer thread of an on-disk journal.
    Disk {
        tx: Option<std::sync::mpsc::Sender<Record>>,
        thread: Option<std::thread::JoinHandle<()>>,
        shared: Arc<Shared>,
    },
}

/// The hub's handle on an event's journal. Dropping it lets the writer
/// finish what is queued and exit; [`Journal::close`] also waits for that.
#[derive(Debug)]
pub struct Journal {
    sink: Sink,
    durable_rx: mpsc::UnboundedReceiver<u64>,
    next_seq: u64,
    health: Arc<StoreHealth>,
}

impl Journal {
    /// A journal kept in memory only: every record is "durable" at once.
    /// For tests and for running without a data directory. Needs a tokio runtime.
    pub fn in_memory(next_seq: u64) -> Journal {
        let (tx, mut rx) = mpsc::unbounded_channel::<Record>();
        let (durable_tx, durable_rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(record) = rx.recv().await {
                let mut upto = record.seq;
                while let Ok(more) = rx.try_recv() {
                    upto = more.seq;
                }
                if durable_tx.send(upto).is_err() {
                    break;
                }
            }
        });
        Journal {
            sink: Sink::Memory(tx),
            durable_rx,
            next_seq,
            health: Arc::new(StoreHealth::default()),
        }
    }

    /// The journal of an opened event directory (see [`super::open_event`]).
    pub(crate) fn on_disk(
        tx: std::sync::mpsc::Sender<Record>,
        thread: std::thread::JoinHandle<()>,
        durable_rx: mpsc::UnboundedReceiver<u64>,
        next_seq: u64,
        shared: Arc<Shared>,
    ) -> Journal {
        Journal {
            health: shared.health.clone(),
            sink: Sink::Disk {
                tx: Some(tx),
                thread: Some(thread),
                shared,
            },
            durable_rx,
            next_seq,
        }
    }

    /// The sequence number the next record will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Whether journal writes currently succeed. While false the hub must
    /// refuse new durable commands *before applying them* (see [`Journal::ready`]).
    pub fn is_healthy(&self) -> bool {
        self.health.is_healthy()
    }

    /// `Ok` when a durable command may be applied and appended now, or the
    /// typed refusal to send instead. Call it before `Event::apply`.
    ///
    /// `append` itself does not refuse on bad health: a command already
    /// applied in memory must be journaled (it is held and retried, and
    /// acknowledged only once durable), or memory and journal would disagree.
    pub fn ready(&self) -> Result<(), StoreError> {
        if self.health.is_healthy() {
            return Ok(());
        }
        let why = self
            .health
            .last_error()
            .unwrap_or_else(|| "journal writes are failing".into());
        Err(StoreError::Unavailable(format!(
            "the server cannot save changes right now ({why}); try again shortly"
        )))
    }

    /// The shared health (healthy flag, error counters), for `/healthz` and `/metrics`.
    pub fn health(&self) -> Arc<StoreHealth> {
        self.health.clone()
    }

    /// Highest sequence number known durable (for an on-disk journal; an
    /// in-memory one reports 0).
    pub fn durable_seq(&self) -> u64 {
        match &self.sink {
            Sink::Memory(_) => 0,
            Sink::Disk { shared, .. } => shared.durable(),
        }
    }

    /// Hands a record to the writer and returns its sequence number. Fails
    /// only when the writer is gone (it never stops while the journal lives,
    /// unless it panicked).
    pub fn append(
        &mut self,
        at: Millis,
        actor: Option<MemberId>,
        command: Command,
    ) -> Result<u64, StoreError> {
        let seq = self.next_seq;
        let record = Record {
            seq,
            at,
            actor,
            command,
        };
        let sent = match &self.sink {
            Sink::Memory(tx) => tx.send(record).is_ok(),
            Sink::Disk { tx, .. } => tx.as_ref().is_some_and(|tx| tx.send(record).is_ok()),
        };
        if !sent {
            return Err(StoreError::Unavailable("journal writer stopped".into()));
        }
        self.next_seq += 1;
        Ok(seq)
    }

    /// Waits for the next "durable up to `seq`" report. Reports only grow.
    pub async fn durable(&mut self) -> Option<u64> {
        self.durable_rx.recv().await
    }

    /// Stops taking records, lets the writer make the queued ones durable,
    /// and waits for it to exit (which releases the event directory once the
    /// [`super::Snapshotter`] is closed too).
    pub async fn close(mut self) {
        if let Sink::Disk { tx, thread, .. } = &mut self.sink {
            tx.take();
            if let Some(thread) = thread.take() {
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
        }
    }
}
