//! Durability: the journal of durable commands, snapshots, and recovery.
//!
//! The hub appends a [`Record`] for every durable command it applied and holds
//! back the command's acknowledgement and broadcasts until the journal reports
//! the record durable. Positions and presence are never journaled.
//!
//! - [`open_event`] recovers an event directory and returns the
//!   [`Recovered`] state, the [`Journal`] (writer thread, group commit) and
//!   the [`Snapshotter`] (snapshot thread).
//! - [`replay`] turns recovered records back into state through `Event::apply`.
//! - [`StoreHealth`] is shared with `/healthz` and `/metrics`.
//!
//! Files: [`layout`] (names), [`framing`] (journal bytes), [`snapshot`]
//! (snapshot bytes), [`writer`] (group commit thread), [`snapshotter`]
//! (snapshot thread), [`recovery`] (reading back), [`fault`] (test faults),
//! [`places`] (where people stood, best effort, outside the journal).
//! The formats are documented byte by byte in `docs/storage.md`.

mod error;
pub mod fault;
pub mod framing;
mod health;
mod journal;
pub mod layout;
pub mod places;
pub mod record;
mod recovery;
mod replay;
pub mod snapshot;
mod snapshotter;
mod writer;

#[cfg(test)]
mod tests;

pub use error::StoreError;
pub use fault::{Fault, FaultInjector};
pub use health::StoreHealth;
pub use journal::Journal;
pub use record::Record;
pub use recovery::Recovered;
pub use replay::replay;
pub use snapshotter::Snapshotter;

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long [`open_event`] waits for a lock held by a journal of this same
/// process that is still shutting down (a restart in one process).
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// How an event's store behaves.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Snapshots kept on disk (at least 1). Keeping a few lets recovery fall
    /// back when the newest is damaged; the journal is kept back to the oldest.
    pub snapshots_kept: usize,
    /// `fsync` journal groups, snapshots and directories. Only tests turn it
    /// off: without it an acknowledgement does not survive a power cut.
    pub fsync: bool,
    /// Most records written and synced as one group.
    pub group_max_records: usize,
    /// A journal segment this big is closed and a new one started, even
    /// without a snapshot.
    pub segment_max_bytes: u64,
    /// Makes writes fail on demand (tests).
    pub faults: Option<FaultInjector>,
    /// Cut a journal's last record when it is complete but corrupt (a flipped
    /// bit, not a torn write) instead of refusing to start. That command may
    /// have been acknowledged, so only the operator decides
    /// (`amphi serve --cut-corrupt-last-record`).
    pub cut_corrupt_last_record: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            snapshots_kept: 3,
            fsync: true,
            group_max_records: 4096,
            segment_max_bytes: 64 << 20,
            faults: None,
            cut_corrupt_last_record: false,
        }
    }
}

/// The directory of event `id` under the data directory:
/// `<data_dir>/events/<id>`. Refuses ids that are not one safe path component.
pub fn event_dir(data_dir: &Path, id: &str) -> Result<PathBuf, StoreError> {
    if !layout::valid_event_id(id) {
        return Err(StoreError::InvalidEventId(id.to_string()));
    }
    Ok(data_dir.join(layout::EVENTS_DIR).join(id))
}

/// The ids of the events stored under `<data_dir>/events/`, sorted. A missing
/// `events` directory means no event yet.
pub fn list_events(data_dir: &Path) -> Result<Vec<String>, StoreError> {
    let events = data_dir.join(layout::EVENTS_DIR);
    let entries = match std::fs::read_dir(&events) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("read directory", events, e)),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("read directory", &events, e))?;
        let is_dir = entry
            .file_type()
            .map_err(|e| StoreError::io("inspect", entry.path(), e))?
            .is_dir();
        if let Some(id) = entry.file_name().to_str()
            && is_dir
            && layout::valid_event_id(id)
        {
            ids.push(id.to_string());
        }
    }
    ids.sort();
    Ok(ids)
}

/// Opens an event directory (`<data>/events/<id>/`, created if missing):
/// locks it, recovers it, and starts its writer and snapshot threads.
///
/// Blocking (reads the whole journal tail): call it at start-up, or from
/// `spawn_blocking`. The returned [`Journal`] continues at
/// `recovered.next_seq`; rebuild the event with [`Recovered::event`].
pub fn open_event(
    dir: &Path,
    options: &StoreOptions,
) -> Result<(Recovered, Journal, Snapshotter), StoreError> {
    layout::create_dir_durably(dir, options.fsync)
        .map_err(|e| StoreError::io("create directory", dir, e))?;
    let lock = Arc::new(lock(dir)?);
    let outcome = recovery::recover(dir, options.cut_corrupt_last_record)?;
    let recovered = outcome.recovered;
    let durable = recovered.next_seq - 1;

    let shared = Arc::new(writer::Shared::new(
        Arc::new(StoreHealth::default()),
        durable,
    ));
    let (tx, rx) = std::sync::mpsc::channel();
    let (durable_tx, durable_rx) = tokio::sync::mpsc::unbounded_channel();
    let thread = writer::spawn(
        writer::Config {
            dir: dir.to_path_buf(),
            fsync: options.fsync,
            group_max_records: options.group_max_records,
            segment_max_bytes: options.segment_max_bytes,
            faults: options.faults.clone(),
        },
        outcome.tail,
        rx,
        durable_tx,
        shared.clone(),
        lock.clone(),
    )
    .map_err(|e| StoreError::io("start the journal thread for", dir, e))?;
    let journal = Journal::on_disk(tx, thread, durable_rx, recovered.next_seq, shared.clone());

    let last_written = recovered.state.is_some().then_some(recovered.covers_seq);
    if let Some(covers) = last_written {
        shared.health.snapshot_written(covers);
    }
    let snapshotter = Snapshotter::spawn(
        snapshotter::Config {
            dir: dir.to_path_buf(),
            kept: options.snapshots_kept,
            fsync: options.fsync,
            faults: options.faults.clone(),
            last_written,
        },
        shared,
        lock,
    )
    .map_err(|e| StoreError::io("start the snapshot thread for", dir, e))?;
    Ok((recovered, journal, snapshotter))
}

/// Takes the event directory's lock, waiting a little for a journal of this
/// process that is still closing.
fn lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(layout::LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::io("open lock file", &path, e))?;
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    dir: dir.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::io("lock", &path, e));
            }
        }
    }
}
