//! Why the store refused to open, to read, or to take a record.
//!
//! Every variant that concerns a file names it, so an operator reading the
//! start-up error knows which file to look at (and never has to guess whether
//! data was silently dropped: it never is).

use std::path::PathBuf;

/// A store failure. Recovery errors are hard errors: the server refuses to
/// start rather than run on a state that lost acknowledged data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The journal cannot take durable commands now (writes failing, or the
    /// writer stopped). The hub turns this into a typed `storage_unavailable`.
    #[error("storage is unavailable: {0}")]
    Unavailable(String),

    /// An operating-system call failed on a file or directory.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    /// A journal record is damaged and valid records follow it: this is not a
    /// torn write at the tail, so cutting it would lose acknowledged data.
    #[error(
        "journal {} is corrupt at byte {offset}: {reason}; valid records follow, so this is not a torn \
         write — refusing to start rather than skip acknowledged data",
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },

    /// Sequence numbers are not contiguous: a record is missing.
    #[error("journal {}: expected record seq {expected}, found {found}; a record is missing", path.display())]
    Gap {
        path: PathBuf,
        expected: u64,
        found: u64,
    },

    /// The journal starts after what the snapshots cover (e.g. every snapshot
    /// is corrupt and the journal before it was already compacted).
    #[error(
        "event {}: the journal starts at seq {first} but the newest valid snapshot covers only up to \
         seq {covers}; records {from}..{first} are gone (corrupt or missing snapshots?)",
        dir.display(),
        from = covers + 1
    )]
    MissingHistory {
        dir: PathBuf,
        first: u64,
        covers: u64,
    },

    /// A snapshot file shows that records up to `claims` were once durable
    /// (snapshots are written only after their records), but the intact
    /// snapshots and journal reach only `reaches`.
    #[error(
        "{} shows that records up to seq {claims} were saved, but the intact snapshots and journal \
         reach only seq {reaches} — refusing to start on a state that lost acknowledged data",
        path.display()
    )]
    Incomplete {
        path: PathBuf,
        claims: u64,
        reaches: u64,
    },

    /// A file was written by a newer amphi, in a format this binary cannot read.
    #[error(
        "{} was written by a newer amphi, format {found}; this binary reads up to {supported}. \
         Upgrade amphi (nothing was changed on disk)",
        path.display()
    )]
    NewerFormat {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    /// A format version that never existed and has no migration.
    #[error("{} has unknown format version {found}; no migration exists for it", path.display())]
    UnknownFormat { path: PathBuf, found: u32 },

    /// Another process (or another open in this one) holds the event directory.
    #[error("event directory {} is in use by another amphi (lock file {} is held)", dir.display(), dir.join(super::layout::LOCK_FILE).display())]
    Locked { dir: PathBuf },

    /// Replaying a journal record was refused by the domain: the journal and
    /// the code disagree, so the recovered state would be wrong.
    #[error(
        "replay of journal record seq {seq} was refused: {reason} (the journal and this amphi's rules disagree)"
    )]
    ReplayRefused { seq: u64, reason: String },

    /// An event id that cannot be a directory name.
    #[error("'{0}' is not a valid event id (1 to 64 characters among a-z, A-Z, 0-9, '-' and '_')")]
    InvalidEventId(String),
}

impl StoreError {
    /// Shorthand for an [`StoreError::Io`] on `path`.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
