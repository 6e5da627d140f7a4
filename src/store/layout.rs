//! Where the store keeps its files, and how their names encode sequence numbers.
//!
//! ```text
//! <data>/events/<event-id>/
//!     LOCK                                    held while an amphi has the event open
//!     journal-<first_seq:020>.log             journal segments, oldest first
//!     snapshot-<covers_seq:020>.snap          snapshots, newest = highest number
//!     snapshot-<covers_seq:020>.snap.tmp      a snapshot being written (deleted at open)
//! ```
//!
//! Zero-padded numbers make the lexical and numeric orders agree, so a plain
//! `ls` shows the files in the order recovery reads them.

use super::StoreError;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The lock file of an event directory.
pub const LOCK_FILE: &str = "LOCK";
/// The sub-directory of the data directory holding one directory per event.
pub const EVENTS_DIR: &str = "events";

const SEGMENT_PREFIX: &str = "journal-";
const SEGMENT_SUFFIX: &str = ".log";
const SNAPSHOT_PREFIX: &str = "snapshot-";
const SNAPSHOT_SUFFIX: &str = ".snap";
/// Suffix of a snapshot being written.
pub const TMP_SUFFIX: &str = ".tmp";

/// The file name of the journal segment whose first record is `first_seq`.
pub fn segment_name(first_seq: u64) -> String {
    format!("{SEGMENT_PREFIX}{first_seq:020}{SEGMENT_SUFFIX}")
}

/// The file name of the snapshot covering records up to `covers_seq`.
pub fn snapshot_name(covers_seq: u64) -> String {
    format!("{SNAPSHOT_PREFIX}{covers_seq:020}{SNAPSHOT_SUFFIX}")
}

fn parse_number(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The files of one event directory, each list sorted by its number.
#[derive(Debug, Default)]
pub struct Listing {
    /// `(first_seq, path)` of every journal segment, oldest first.
    pub segments: Vec<(u64, PathBuf)>,
    /// `(covers_seq, path)` of every snapshot, oldest first.
    pub snapshots: Vec<(u64, PathBuf)>,
    /// Leftover temporary snapshot files.
    pub temporaries: Vec<PathBuf>,
}

/// Lists an event directory. Unknown files are left alone.
pub fn list(dir: &Path) -> Result<Listing, StoreError> {
    let mut listing = Listing::default();
    let entries = std::fs::read_dir(dir).map_err(|e| StoreError::io("read directory", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("read directory", dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = entry.path();
        if let Some(n) = parse_number(name, SEGMENT_PREFIX, SEGMENT_SUFFIX) {
            listing.segments.push((n, path));
        } else if let Some(n) = parse_number(name, SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX) {
            listing.snapshots.push((n, path));
        } else if name.starts_with(SNAPSHOT_PREFIX) && name.ends_with(TMP_SUFFIX) {
            listing.temporaries.push(path);
        }
    }
    listing.segments.sort();
    listing.snapshots.sort();
    Ok(listing)
}

/// Makes a directory's entries (created, renamed, removed files) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates `dir` and its missing parents, and (with `fsync`) makes each new
/// directory's entry durable by syncing the directory that received it.
/// Without that, a power cut soon after the first start can take the whole
/// data directory with it, synced files and all, and the next start would
/// begin a fresh event as if nothing had been acknowledged.
pub fn create_dir_durably(dir: &Path, fsync: bool) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut at = dir;
    while !at.is_dir() {
        missing.push(at);
        match at.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => at = parent,
            _ => break,
        }
    }
    for path in missing.into_iter().rev() {
        match std::fs::create_dir(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {}
            Err(e) => return Err(e),
        }
        if fsync {
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            sync_dir(parent)?;
        }
    }
    Ok(())
}

/// Whether `id` is safe as one path component and readable in a URL.
pub fn valid_event_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sort_numerically() {
        assert_eq!(segment_name(42), "journal-00000000000000000042.log");
        assert_eq!(
            parse_number(&segment_name(42), SEGMENT_PREFIX, SEGMENT_SUFFIX),
            Some(42)
        );
        assert_eq!(
            parse_number(&snapshot_name(u64::MAX), SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX),
            Some(u64::MAX)
        );
        assert!(segment_name(9) < segment_name(10));
        assert_eq!(
            parse_number("journal-42.log", SEGMENT_PREFIX, SEGMENT_SUFFIX),
            None
        );
    }

    #[test]
    fn creates_missing_parents() {
        let root = std::env::temp_dir().join(format!("amphi-layout-{}", std::process::id()));
        let dir = root.join("data").join("events").join("demo");
        create_dir_durably(&dir, true).unwrap();
        assert!(dir.is_dir());
        create_dir_durably(&dir, true).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn event_ids_are_checked() {
        assert!(valid_event_id("demo"));
        assert!(valid_event_id("hack-2025_paris"));
        assert!(!valid_event_id(""));
        assert!(!valid_event_id(".."));
        assert!(!valid_event_id("a/b"));
        assert!(!valid_event_id(&"x".repeat(65)));
    }
}
