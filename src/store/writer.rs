//! The journal writer thread: group commit, segment rotation, failure and retry.
//!
//! One `std::thread` per event. It blocks on its channel, then takes every
//! record already queued (up to `group_max_records`), writes them with one
//! `write_all` and one `fdatasync`, and only then reports the highest
//! sequence number durable. While a write fails it keeps the group in memory,
//! marks the store unhealthy and retries with backoff; nothing is reported
//! durable until it is written and synced.

use super::fault::{self, FaultInjector};
use super::framing::{self, SEGMENT_HEADER_LEN};
use super::health::StoreHealth;
use super::layout;
use super::record::Record;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// First wait after a failed write.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long a closed journal keeps retrying a failing write before it gives
/// up (those records were never acknowledged, so giving up loses no ack).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// State shared by the writer, the snapshot thread and the [`super::Journal`].
#[derive(Debug)]
pub(crate) struct Shared {
    pub health: Arc<StoreHealth>,
    durable: Mutex<u64>,
    changed: Condvar,
    /// Set by the snapshot thread after a snapshot: start a new segment at the
    /// next clean group boundary, so older segments can be deleted whole.
    pub rotate: AtomicBool,
    alive: AtomicBool,
}

/// What [`Shared::wait_durable`] saw.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    Reached,
    TimedOut,
    /// The writer exited below the wanted sequence number.
    WriterGone,
}

impl Shared {
    pub fn new(health: Arc<StoreHealth>, durable: u64) -> Shared {
        health.set_durable(durable);
        Shared {
            health,
            durable: Mutex::new(durable),
            changed: Condvar::new(),
            rotate: AtomicBool::new(false),
            alive: AtomicBool::new(true),
        }
    }

    fn publish(&self, upto: u64) {
        if let Ok(mut durable) = self.durable.lock() {
            *durable = upto;
        }
        self.changed.notify_all();
    }

    fn writer_exited(&self) {
        self.alive.store(false, Ordering::Release);
        let _guard = self.durable.lock();
        self.changed.notify_all();
    }

    /// Highest durable sequence number.
    pub fn durable(&self) -> u64 {
        self.durable.lock().map(|d| *d).unwrap_or(0)
    }

    /// Blocks until `seq` is durable, the writer is gone, or `timeout` passed.
    pub fn wait_durable(&self, seq: u64, timeout: Duration) -> Wait {
        let Ok(guard) = self.durable.lock() else {
            return Wait::WriterGone;
        };
        let result = self.changed.wait_timeout_while(guard, timeout, |durable| {
            *durable < seq && self.alive.load(Ordering::Acquire)
        });
        match result {
            Ok((durable, _)) if *durable >= seq => Wait::Reached,
            Ok(_) if !self.alive.load(Ordering::Acquire) => Wait::WriterGone,
            Ok(_) => Wait::TimedOut,
            Err(_) => Wait::WriterGone,
        }
    }
}

/// The segment recovery left open for appending: its valid length.
#[derive(Debug, Clone)]
pub(crate) struct Tail {
    pub path: PathBuf,
    pub len: u64,
}

/// The writer's settings, from [`super::StoreOptions`].
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub dir: PathBuf,
    pub fsync: bool,
    pub group_max_records: usize,
    pub segment_max_bytes: u64,
    pub faults: Option<FaultInjector>,
}

/// The segment being appended to.
struct Segment {
    path: PathBuf,
    /// Open handle; dropped after a failure so the retry starts from a fresh one.
    file: Option<File>,
    /// Bytes known durable (header included).
    len: u64,
    /// Header written and synced, directory entry synced.
    created: bool,
    /// A write failed: bytes after `len` may be garbage and must be cut first.
    dirty: bool,
}

struct Writer {
    config: Config,
    rx: Receiver<Record>,
    durable_tx: UnboundedSender<u64>,
    shared: Arc<Shared>,
    segment: Option<Segment>,
    /// Encoded frames of the held (not yet durable) records.
    buf: Vec<u8>,
    held_first: u64,
    held_last: u64,
    held: usize,
    /// A record that could not be encoded: nothing after it can ever be
    /// durable without a gap, so the writer stays failed.
    poisoned: Option<String>,
    closed: bool,
    _lock: Arc<File>,
}

/// Starts the writer thread.
pub(crate) fn spawn(
    config: Config,
    tail: Option<Tail>,
    rx: Receiver<Record>,
    durable_tx: UnboundedSender<u64>,
    shared: Arc<Shared>,
    lock: Arc<File>,
) -> io::Result<std::thread::JoinHandle<()>> {
    let name = format!(
        "amphi-journal-{}",
        config
            .dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("event")
    );
    let segment = tail.map(|tail| Segment {
        path: tail.path,
        file: None,
        len: tail.len,
        created: true,
        dirty: false,
    });
    let writer = Writer {
        buf: Vec::with_capacity(1 << 16),
        config,
        rx,
        durable_tx,
        shared,
        segment,
        held_first: 0,
        held_last: 0,
        held: 0,
        poisoned: None,
        closed: false,
        _lock: lock,
    };
    std::thread::Builder::new()
        .name(name)
        .spawn(move || writer.run())
}

/// Adds the path to an OS error, so the log names the file.
fn at<'a>(op: &'static str, path: &'a Path) -> impl Fn(io::Error) -> io::Error + 'a {
    move |e| io::Error::new(e.kind(), format!("cannot {op} {}: {e}", path.display()))
}

impl Writer {
    fn run(mut self) {
        let mut backoff = FIRST_BACKOFF;
        let mut failing_since_close: Option<Instant> = None;
        loop {
            if self.held == 0 {
                if self.closed {
                    break;
                }
                match self.rx.recv() {
                    Ok(record) => self.take(record),
                    Err(_) => break,
                }
            }
            self.drain();
            match self.commit() {
                Ok(upto) => {
                    backoff = FIRST_BACKOFF;
                    self.shared.publish(upto);
                    if self.shared.health.write_succeeded(upto) {
                        tracing::info!(
                            durable = upto,
                            dir = %self.config.dir.display(),
                            "journal writes work again; store healthy"
                        );
                    }
                    // The hub may be gone (shutdown): the records are durable anyway.
                    let _ = self.durable_tx.send(upto);
                }
                Err(err) => {
                    self.shared.health.write_failed(err.to_string());
                    tracing::error!(
                        error = %err,
                        held = self.held,
                        retry_in_ms = backoff.as_millis() as u64,
                        "journal write failed; holding the records, refusing new durable commands"
                    );
                    if self.closed {
                        let since = *failing_since_close.get_or_insert_with(Instant::now);
                        if since.elapsed() >= SHUTDOWN_GRACE {
                            tracing::error!(
                                lost = self.held,
                                first = self.held_first,
                                "journal closed while writes still fail; \
                                 giving up on records that were never acknowledged"
                            );
                            break;
                        }
                    }
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        self.shared.writer_exited();
    }

    /// Takes whatever is already queued, up to the group size.
    fn drain(&mut self) {
        while self.held < self.config.group_max_records.max(1) {
            match self.rx.try_recv() {
                Ok(record) => self.take(record),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.closed = true;
                    break;
                }
            }
        }
    }

    fn take(&mut self, record: Record) {
        if self.held == 0 {
            self.held_first = record.seq;
        }
        self.held_last = record.seq;
        self.held += 1;
        if let Err(err) = framing::encode_record(&record, &mut self.buf) {
            self.poisoned = Some(format!("cannot encode record seq {}: {err}", record.seq));
        }
    }

    /// Writes and syncs the held group. On success returns its last seq.
    fn commit(&mut self) -> io::Result<u64> {
        if let Some(reason) = &self.poisoned {
            return Err(io::Error::other(reason.clone()));
        }
        self.maybe_rotate();
        let faults = self.config.faults.as_ref();
        let fsync = self.config.fsync;
        let first = self.held_first;
        let dir = self.config.dir.clone();
        let segment = self.segment.get_or_insert_with(|| Segment {
            path: dir.join(layout::segment_name(first)),
            file: None,
            len: 0,
            created: false,
            dirty: false,
        });
        let result = write_group(segment, &dir, &self.buf, fsync, faults);
        match result {
            Ok(()) => {
                segment.len += self.buf.len() as u64;
                segment.dirty = false;
                self.buf.clear();
                self.held = 0;
                Ok(self.held_last)
            }
            Err(err) => {
                segment.dirty = true;
                segment.file = None;
                Err(err)
            }
        }
    }

    /// Closes the current segment when a snapshot asked for it or it grew
    /// too big, so the next group starts a new one. Never while a failed
    /// write may have left garbage after the durable length.
    fn maybe_rotate(&mut self) {
        let Some(segment) = &self.segment else {
            return;
        };
        if segment.dirty || !segment.created || segment.len <= SEGMENT_HEADER_LEN as u64 {
            return;
        }
        let asked = self.shared.rotate.swap(false, Ordering::AcqRel);
        if asked || segment.len >= self.config.segment_max_bytes {
            self.segment = None;
        }
    }
}

/// Makes sure `segment` exists and is positioned at its durable length, then
/// writes `bytes` and syncs them.
fn write_group(
    segment: &mut Segment,
    dir: &Path,
    bytes: &[u8],
    fsync: bool,
    faults: Option<&FaultInjector>,
) -> io::Result<()> {
    let path = segment.path.clone();
    if !segment.created {
        // New segment: header, data sync, then the directory entry, before any
        // record in it can be reported durable.
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(at("create journal segment", &path))?;
        fault::write_all(&mut file, &framing::segment_header(), faults)
            .map_err(at("write", &path))?;
        if fsync {
            fault::sync(&file, true, faults).map_err(at("fsync", &path))?;
            layout::sync_dir(dir).map_err(at("fsync directory", dir))?;
        }
        segment.len = SEGMENT_HEADER_LEN as u64;
        segment.created = true;
        segment.file = Some(file);
    }
    let file = match &mut segment.file {
        Some(file) => file,
        None => {
            // (Re)open, and cut anything a failed write left after the durable
            // length, so the retried group lands exactly once.
            let mut file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(at("open journal segment", &path))?;
            file.set_len(segment.len).map_err(at("truncate", &path))?;
            file.seek(SeekFrom::Start(segment.len))
                .map_err(at("seek in", &path))?;
            segment.file.insert(file)
        }
    };
    fault::write_all(file, bytes, faults).map_err(at("write", &path))?;
    if fsync {
        fault::sync(file, true, faults).map_err(at("fsync", &path))?;
    }
    Ok(())
}
