//! Reading an event directory back at start: the newest valid snapshot, then
//! the journal records after it.
//!
//! Rules, in the order they apply:
//! 1. Snapshots newest first; a damaged one (magic, length, checksum, name)
//!    is skipped with a warning. A newer or unknown format is a hard error.
//! 2. Journal segments from the one holding `covers_seq + 1`; segments whose
//!    every record the snapshot covers are not read.
//! 3. Every record's length and checksum is checked. An *incomplete* last
//!    record (the file ends inside it) in the last segment is a torn write,
//!    never acknowledged: the file is cut there, with a warning. A *complete*
//!    record that fails its checksum or does not decode is corruption of
//!    data that may have been acknowledged: a hard error naming the file and
//!    byte offset, like damage followed by valid records — unless it is the
//!    very last record and the operator asked to cut it
//!    ([`super::StoreOptions::cut_corrupt_last_record`]).
//!    A segment whose header is cut short is a creation torn by a crash and
//!    is removed, unless it is all the event has (no snapshot, no other
//!    segment): removing it would reset the event, so the start is refused.
//! 4. Sequence numbers must be contiguous, within and across segments, and
//!    the first record after the snapshot must be `covers_seq + 1`.
//! 5. The result must reach at least the seq named by the newest snapshot
//!    file, damaged or not (its records were durable before it was written).

use super::framing::{self, Header, SEGMENT_HEADER_LEN, SEGMENT_VERSION};
use super::record::Record;
use super::writer::Tail;
use super::{StoreError, layout, snapshot};
use crate::domain::EventState;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// What recovery found in an event directory.
#[derive(Debug)]
pub struct Recovered {
    /// The state of the newest valid snapshot; `None` when there is none (a
    /// new event: start from a fresh `EventState` and replay `records`).
    pub state: Option<EventState>,
    /// What the snapshot in `state` covers (0 without a snapshot).
    pub covers_seq: u64,
    /// The journal records after the snapshot, in order, to replay through
    /// `Event::apply(record.actor, &record.command, record.at)`.
    pub records: Vec<Record>,
    /// The sequence number of the next record (give it to nothing: the
    /// returned [`super::Journal`] already starts there).
    pub next_seq: u64,
    /// What recovery repaired or skipped (torn tail cut, damaged snapshot
    /// skipped, ...). Log each at `warn`.
    pub warnings: Vec<String>,
}

impl Recovered {
    /// True for an event directory with no snapshot and no record: a new event.
    pub fn is_fresh(&self) -> bool {
        self.state.is_none() && self.records.is_empty()
    }
}

/// Recovery's result plus what the writer needs to continue.
pub(crate) struct Outcome {
    pub recovered: Recovered,
    pub tail: Option<Tail>,
}

fn read(path: &Path) -> Result<Vec<u8>, StoreError> {
    std::fs::read(path).map_err(|e| StoreError::io("read", path, e))
}

/// Recovers `dir`, cutting torn tails in place (and a corrupt last record
/// when `cut_corrupt_last_record`).
pub(crate) fn recover(dir: &Path, cut_corrupt_last_record: bool) -> Result<Outcome, StoreError> {
    let listing = layout::list(dir)?;
    let mut warnings = Vec::new();
    for tmp in &listing.temporaries {
        std::fs::remove_file(tmp).map_err(|e| StoreError::io("delete", tmp, e))?;
        warnings.push(format!(
            "removed {}, a snapshot left unfinished by a crash",
            tmp.display()
        ));
    }

    let (state, covers_seq) = newest_snapshot(&listing.snapshots, &mut warnings)?;

    // Skip segments entirely covered: segment i ends before segment i+1 starts.
    let segments = &listing.segments;
    let start = (0..segments.len())
        .find(|&i| {
            segments
                .get(i + 1)
                .is_none_or(|next| next.0 > covers_seq.saturating_add(1))
        })
        .unwrap_or(segments.len());

    let mut records = Vec::new();
    let mut last_seen: Option<u64> = None;
    let mut tail = None;
    for (i, (first_seq, path)) in segments.iter().enumerate().skip(start) {
        let is_last = i + 1 == segments.len();
        let position = Position {
            is_last,
            is_all: segments.len() == 1 && state.is_none(),
            cut_corrupt_last_record,
        };
        let Some(scan) = scan_segment(path, position, &mut warnings)? else {
            continue;
        };
        if let Some(first) = scan.records.first()
            && first.seq != *first_seq
        {
            return Err(StoreError::Corrupt {
                path: path.clone(),
                offset: SEGMENT_HEADER_LEN as u64,
                reason: format!(
                    "the segment is named for seq {first_seq} but its first record is seq {}",
                    first.seq
                ),
            });
        }
        for record in scan.records {
            if let Some(prev) = last_seen
                && record.seq != prev + 1
            {
                return Err(StoreError::Gap {
                    path: path.clone(),
                    expected: prev + 1,
                    found: record.seq,
                });
            }
            last_seen = Some(record.seq);
            if record.seq > covers_seq {
                records.push(record);
            }
        }
        if is_last {
            tail = Some((path.clone(), *first_seq, scan.valid_len));
        }
    }

    if let Some(first) = records.first()
        && first.seq != covers_seq + 1
    {
        return Err(StoreError::MissingHistory {
            dir: dir.to_path_buf(),
            first: first.seq,
            covers: covers_seq,
        });
    }
    let next_seq = last_seen.unwrap_or(0).max(covers_seq) + 1;
    // A damaged snapshot's name still proves its records were durable once:
    // never start below it (e.g. every snapshot damaged, journal compacted).
    if let Some((claims, path)) = listing.snapshots.last()
        && *claims >= next_seq
    {
        return Err(StoreError::Incomplete {
            path: path.clone(),
            claims: *claims,
            reaches: next_seq - 1,
        });
    }
    // Continue the last segment only if the next record fits right after it.
    let tail = tail.and_then(|(path, first_seq, len)| {
        let continues = match last_seen {
            Some(last) => last + 1 == next_seq && first_seq <= last,
            None => first_seq == next_seq,
        };
        let empty = len <= SEGMENT_HEADER_LEN as u64;
        (continues || (empty && first_seq == next_seq)).then_some(Tail { path, len })
    });
    Ok(Outcome {
        recovered: Recovered {
            state,
            covers_seq,
            records,
            next_seq,
            warnings,
        },
        tail,
    })
}

/// The newest intact snapshot, newest first, warning about damaged ones.
fn newest_snapshot(
    snapshots: &[(u64, PathBuf)],
    warnings: &mut Vec<String>,
) -> Result<(Option<EventState>, u64), StoreError> {
    for (covers, path) in snapshots.iter().rev() {
        let bytes = read(path)?;
        match snapshot::decode(path, &bytes, *covers)? {
            Ok((state, covers)) => return Ok((Some(state), covers)),
            Err(reason) => warnings.push(format!(
                "snapshot {} is damaged ({reason}); falling back to an older snapshot and a longer journal",
                path.display()
            )),
        }
    }
    Ok((None, 0))
}

/// The intact records of one segment and its valid length.
struct Scan {
    records: Vec<Record>,
    valid_len: u64,
}

/// Where a segment stands, and what recovery may repair in it.
#[derive(Debug, Clone, Copy)]
struct Position {
    /// The newest segment (the only one a crash can tear).
    is_last: bool,
    /// The event's only data: no snapshot, no other segment.
    is_all: bool,
    /// The operator asked to cut a corrupt last record.
    cut_corrupt_last_record: bool,
}

/// Reads one segment. Returns `None` when the segment was a torn creation
/// (header incomplete, so no record) and has been removed.
fn scan_segment(
    path: &Path,
    position: Position,
    warnings: &mut Vec<String>,
) -> Result<Option<Scan>, StoreError> {
    let is_last = position.is_last;
    let bytes = read(path)?;
    match framing::read_header(&bytes) {
        Header::Short if position.is_all => {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                offset: 0,
                reason: format!(
                    "segment header cut short ({} bytes) and it is the event's only data; \
                     removing it would start the event afresh, so it is refused \
                     (delete the event directory yourself to start afresh)",
                    bytes.len()
                ),
            });
        }
        Header::Short if is_last => {
            std::fs::remove_file(path).map_err(|e| StoreError::io("delete", path, e))?;
            warnings.push(format!(
                "removed {}: its header was cut short by a crash ({} bytes, no record)",
                path.display(),
                bytes.len()
            ));
            return Ok(None);
        }
        Header::Short => {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                offset: 0,
                reason: "segment header cut short, and later segments exist".into(),
            });
        }
        Header::BadMagic => {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                offset: 0,
                reason: "not a journal segment (bad magic)".into(),
            });
        }
        Header::Version(v) if v > SEGMENT_VERSION => {
            return Err(StoreError::NewerFormat {
                path: path.to_path_buf(),
                found: v,
                supported: SEGMENT_VERSION,
            });
        }
        Header::Version(v) if v != SEGMENT_VERSION => {
            return Err(StoreError::UnknownFormat {
                path: path.to_path_buf(),
                found: v,
            });
        }
        Header::Version(_) => {}
    }

    let mut records = Vec::new();
    let mut at = SEGMENT_HEADER_LEN;
    while at < bytes.len() {
        match framing::decode_at(&bytes, at) {
            Ok((record, next)) => {
                records.push(record);
                at = next;
            }
            Err(reason) => {
                if !is_last || framing::next_valid_after(&bytes, at).is_some() {
                    return Err(StoreError::Corrupt {
                        path: path.to_path_buf(),
                        offset: at as u64,
                        reason,
                    });
                }
                let what = if framing::is_incomplete(&bytes, at) {
                    "an incomplete record: the tail of a write torn by a crash, never acknowledged"
                } else if position.cut_corrupt_last_record {
                    "a complete record that is corrupt (it may have been acknowledged), \
                     cut because the operator asked to (--cut-corrupt-last-record)"
                } else {
                    return Err(StoreError::Corrupt {
                        path: path.to_path_buf(),
                        offset: at as u64,
                        reason: format!(
                            "{reason}: the last record is complete but corrupt, not torn by a \
                             crash, and it may have been acknowledged; start with \
                             --cut-corrupt-last-record to cut it and lose that command"
                        ),
                    });
                };
                cut(path, at as u64)?;
                warnings.push(format!(
                    "{}: cut {} bytes at offset {at} ({reason}): {what}",
                    path.display(),
                    bytes.len() - at
                ));
                break;
            }
        }
    }
    Ok(Some(Scan {
        records,
        valid_len: at as u64,
    }))
}

/// Truncates a segment's torn tail, durably.
fn cut(path: &Path, len: u64) -> Result<(), StoreError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io("open for repair", path, e))?;
    file.set_len(len)
        .map_err(|e| StoreError::io("truncate", path, e))?;
    file.sync_all()
        .map_err(|e| StoreError::io("fsync", path, e))
}
