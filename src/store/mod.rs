//! Durability: the journal of durable commands (and, with it, snapshots).
//!
//! The hub appends a [`Record`] for every durable command it applied and holds
//! back the command's acknowledgement and broadcasts until the journal reports
//! the record durable. Positions and presence are never journaled.

pub mod record;

pub use record::Record;

use crate::domain::{Command, MemberId, Millis};
use tokio::sync::mpsc;

/// Why the store cannot take a record now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
}

/// The hub's handle on an event's journal.
///
/// `append` never blocks the hub: records go to a writer that makes them
/// durable in groups and reports the highest durable sequence number.
#[derive(Debug)]
pub struct Journal {
    tx: mpsc::UnboundedSender<Record>,
    durable_rx: mpsc::UnboundedReceiver<u64>,
    next_seq: u64,
}

impl Journal {
    /// A journal kept in memory only: every record is "durable" at once.
    /// For tests and for running without a data directory.
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
            tx,
            durable_rx,
            next_seq,
        }
    }

    /// The sequence number the next record will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Hands a record to the writer and returns its sequence number.
    pub fn append(
        &mut self,
        at: Millis,
        actor: Option<MemberId>,
        command: Command,
    ) -> Result<u64, StoreError> {
        let seq = self.next_seq;
        self.tx
            .send(Record {
                seq,
                at,
                actor,
                command,
            })
            .map_err(|_| StoreError::Unavailable("journal writer stopped".into()))?;
        self.next_seq += 1;
        Ok(seq)
    }

    /// Waits for the next "durable up to `seq`" report.
    pub async fn durable(&mut self) -> Option<u64> {
        self.durable_rx.recv().await
    }
}
