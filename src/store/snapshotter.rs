//! The snapshot thread: encodes, checksums and writes snapshots off the hub,
//! then prunes old snapshots and the journal segments they make useless.
//!
//! The hub hands over a clone of its [`EventState`] and the last sequence
//! number that state includes. The thread waits until the journal is durable
//! up to that number (a snapshot must never hold a command that the journal
//! could still lose), writes the file atomically, keeps the newest
//! `snapshots_kept`, deletes the segments entirely covered by the oldest kept
//! one, and asks the writer to start a new segment.
//!
//! The same thread writes the event's places file (`places`), which needs no
//! journal: it is best effort and never waits.

use super::fault::FaultInjector;
use super::health::StoreHealth;
use super::writer::{Shared, Wait};
use super::{StoreError, layout, places, snapshot};
use crate::domain::EventState;
use crate::domain::places::Place;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

/// How long a closing snapshotter waits for the journal to become durable
/// before giving up on its last snapshot (the journal keeps everything anyway).
const CLOSE_GRACE: Duration = Duration::from_secs(5);

struct Request {
    state: EventState,
    covers_seq: u64,
}

/// What the thread is asked to write.
enum Job {
    Snapshot(Box<Request>),
    /// The bytes of the places file.
    Places(Vec<u8>),
}

/// Handle for requesting snapshots of one event.
#[derive(Debug)]
pub struct Snapshotter {
    tx: Option<Sender<Job>>,
    /// The places last handed to the thread, to skip unchanged ones.
    last_places: Vec<Place>,
    thread: Option<std::thread::JoinHandle<()>>,
    closing: Arc<AtomicBool>,
    health: Arc<StoreHealth>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("covers_seq", &self.covers_seq)
            .finish_non_exhaustive()
    }
}

/// Settings of the snapshot thread.
pub(crate) struct Config {
    pub dir: PathBuf,
    pub kept: usize,
    pub fsync: bool,
    pub faults: Option<FaultInjector>,
    /// `covers_seq` of the snapshot recovery used (requests not newer are skipped).
    pub last_written: Option<u64>,
}

impl Snapshotter {
    /// A snapshotter that drops every request: for events kept in memory only.
    pub fn disabled() -> Snapshotter {
        Snapshotter {
            tx: None,
            last_places: Vec::new(),
            thread: None,
            closing: Arc::new(AtomicBool::new(false)),
            health: Arc::new(StoreHealth::default()),
        }
    }

    pub(crate) fn spawn(
        config: Config,
        shared: Arc<Shared>,
        lock: Arc<File>,
    ) -> std::io::Result<Snapshotter> {
        let (tx, rx) = std::sync::mpsc::channel();
        let closing = Arc::new(AtomicBool::new(false));
        let health = shared.health.clone();
        let name = format!(
            "amphi-snapshot-{}",
            config
                .dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("event")
        );
        let worker = Worker {
            config,
            shared,
            rx,
            closing: closing.clone(),
            _lock: lock,
        };
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || worker.run())?;
        Ok(Snapshotter {
            tx: Some(tx),
            last_places: Vec::new(),
            thread: Some(thread),
            closing,
            health,
        })
    }

    /// Asks for a snapshot of `state`, which must include exactly the records
    /// with seq <= `covers_seq` (from the hub: `journal.next_seq() - 1` at the
    /// moment the state is cloned). Returns at once; if requests pile up,
    /// only the newest is written.
    pub fn request(&self, state: EventState, covers_seq: u64) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Job::Snapshot(Box::new(Request { state, covers_seq })));
        }
    }

    /// Saves where people stand (`places.json`) unless it is what was saved
    /// last. Returns at once.
    pub fn save_places(&mut self, places: Vec<Place>) {
        if places == self.last_places {
            return;
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(Job::Places(places::encode(&places)));
        }
        self.last_places = places;
    }

    /// `covers_seq` of the newest snapshot written since open (0: none), so
    /// the hub can skip requests when nothing changed.
    pub fn snapshot_seq(&self) -> u64 {
        self.health.snapshot_seq()
    }

    /// Writes what was requested (waiting up to a few seconds for the journal
    /// to cover it) and waits for the thread to exit. Use at graceful shutdown.
    pub async fn close(mut self) {
        self.tx.take();
        self.closing.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for Snapshotter {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Release);
    }
}

struct Worker {
    config: Config,
    shared: Arc<Shared>,
    rx: Receiver<Job>,
    closing: Arc<AtomicBool>,
    _lock: Arc<File>,
}

impl Worker {
    fn run(mut self) {
        while let Ok(job) = self.rx.recv() {
            // Only the newest of each kind matters when jobs pile up.
            let (mut snapshot, mut places) = (None, None);
            for job in std::iter::once(job).chain(std::iter::from_fn(|| self.rx.try_recv().ok())) {
                match job {
                    Job::Snapshot(request) => snapshot = Some(*request),
                    Job::Places(bytes) => places = Some(bytes),
                }
            }
            if let Some(bytes) = places {
                self.write_places(&bytes);
            }
            if let Some(request) = snapshot {
                self.snapshot(request);
            }
        }
    }

    fn write_places(&self, bytes: &[u8]) {
        if let Err(err) = places::write(&self.config.dir, bytes, self.config.fsync) {
            tracing::warn!(error = %err, "could not save where people stand");
        }
    }

    /// Writes one requested snapshot unless a newer one exists, once the
    /// journal holds what it covers; then prunes.
    fn snapshot(&mut self, request: Request) {
        if self
            .config
            .last_written
            .is_some_and(|last| request.covers_seq <= last)
        {
            return;
        }
        if !self.wait_durable(request.covers_seq) {
            return;
        }
        let started = Instant::now();
        match self.write(&request) {
            Ok(bytes) => {
                self.config.last_written = Some(request.covers_seq);
                if let Err(err) = self.compact() {
                    tracing::warn!(
                        error = %err,
                        "could not prune old snapshots or journal segments"
                    );
                }
                self.shared.rotate.store(true, Ordering::Release);
                self.shared.health.snapshot_written(request.covers_seq);
                tracing::info!(
                    covers_seq = request.covers_seq,
                    bytes,
                    ms = started.elapsed().as_millis() as u64,
                    "snapshot written"
                );
            }
            Err(err) => {
                tracing::error!(
                    error = %err,
                    covers_seq = request.covers_seq,
                    "snapshot failed; the journal still holds everything; \
                     retried at the next request"
                );
                self.shared.health.snapshot_failed(err.to_string());
            }
        }
    }

    /// Waits until the journal holds every record the snapshot covers.
    fn wait_durable(&self, covers_seq: u64) -> bool {
        let mut closing_since: Option<Instant> = None;
        loop {
            match self
                .shared
                .wait_durable(covers_seq, Duration::from_millis(200))
            {
                Wait::Reached => return true,
                Wait::WriterGone => {
                    tracing::warn!(
                        covers_seq,
                        durable = self.shared.durable(),
                        "journal writer stopped before the snapshot's records were durable; \
                         snapshot skipped"
                    );
                    return false;
                }
                Wait::TimedOut => {
                    if self.closing.load(Ordering::Acquire) {
                        let since = *closing_since.get_or_insert_with(Instant::now);
                        if since.elapsed() >= CLOSE_GRACE {
                            tracing::warn!(
                                covers_seq,
                                "closing while the journal is not durable; last snapshot skipped"
                            );
                            return false;
                        }
                    }
                }
            }
        }
    }

    /// Encodes and writes one snapshot; returns its size.
    fn write(&self, request: &Request) -> Result<usize, StoreError> {
        let bytes = snapshot::encode(&request.state, request.covers_seq)
            .map_err(|e| StoreError::Unavailable(format!("cannot encode the snapshot: {e}")))?;
        snapshot::write_atomic(
            &self.config.dir,
            request.covers_seq,
            &bytes,
            self.config.fsync,
            self.config.faults.as_ref(),
        )?;
        Ok(bytes.len())
    }

    /// Keeps the newest `kept` snapshots and deletes the journal segments
    /// whose every record is covered by the oldest kept one, so that falling
    /// back to any kept snapshot still finds the journal it needs.
    fn compact(&self) -> Result<(), StoreError> {
        let dir = &self.config.dir;
        let listing = layout::list(dir)?;
        let kept = self.config.kept.max(1);
        let drop_count = listing.snapshots.len().saturating_sub(kept);
        let (old, keep) = listing.snapshots.split_at(drop_count);
        for (_, path) in old {
            std::fs::remove_file(path).map_err(|e| StoreError::io("delete", path, e))?;
        }
        if let Some((oldest_kept, _)) = keep.first() {
            // Segment i holds seqs < first seq of segment i+1; the writer only
            // appends to the newest segment, which has no successor.
            for pair in listing.segments.windows(2) {
                if pair[1].0 <= oldest_kept.saturating_add(1) {
                    std::fs::remove_file(&pair[0].1)
                        .map_err(|e| StoreError::io("delete", &pair[0].1, e))?;
                }
            }
        }
        if self.config.fsync {
            layout::sync_dir(dir).map_err(|e| StoreError::io("fsync directory", dir, e))?;
        }
        Ok(())
    }
}
