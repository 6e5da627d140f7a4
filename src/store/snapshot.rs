//! Snapshot file format: encoding, checking, migrating, and atomic writing.
//!
//! ```text
//! offset size  field
//!  0      8    magic "AMPHISNP"
//!  8      4    format version, u32 LE (= 1)
//! 12      8    covers_seq, u64 LE: the state includes every record with seq <= covers_seq
//! 20      8    payload length, u64 LE
//! 28      4    crc32 of bytes 0..28 followed by the payload, u32 LE
//! 32      n    payload: serde_json of EventState
//! ```
//!
//! The checksum covers the header fields too, so a flipped bit in
//! `covers_seq` cannot make recovery replay from the wrong place.

use super::StoreError;
use super::fault::{self, FaultInjector};
use super::layout;
use crate::domain::EventState;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// First bytes of every snapshot.
pub const SNAPSHOT_MAGIC: &[u8; 8] = b"AMPHISNP";
/// The snapshot format this binary writes; it reads every version up to it.
pub const SNAPSHOT_VERSION: u32 = 1;
/// Length of the snapshot header.
pub const SNAPSHOT_HEADER_LEN: usize = 32;

/// Encodes a snapshot file's bytes. Runs on the snapshot thread.
pub fn encode(state: &EventState, covers_seq: u64) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(SNAPSHOT_MAGIC);
    out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
    out.extend_from_slice(&covers_seq.to_le_bytes());
    out.extend_from_slice(&[0u8; 12]);
    serde_json::to_writer(&mut out, state)?;
    let payload_len = (out.len() - SNAPSHOT_HEADER_LEN) as u64;
    out[20..28].copy_from_slice(&payload_len.to_le_bytes());
    let crc = checksum(&out[..28], &out[SNAPSHOT_HEADER_LEN..]);
    out[28..32].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

fn checksum(header: &[u8], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(header);
    hasher.update(payload);
    hasher.finalize()
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

/// Decodes a snapshot read from `path`, named for `expected_covers`.
///
/// - `Ok(Ok((state, covers)))`: intact.
/// - `Ok(Err(reason))`: damaged; recovery warns and falls back to an older one.
/// - `Err(_)`: a format this binary must not guess about (newer, or unknown):
///   a hard error, never a fallback that would silently drop newer data.
pub fn decode(
    path: &Path,
    bytes: &[u8],
    expected_covers: u64,
) -> Result<Result<(EventState, u64), String>, StoreError> {
    if bytes.len() < 12 || &bytes[..8] != SNAPSHOT_MAGIC {
        return Ok(Err("not a snapshot (bad magic or too short)".into()));
    }
    let version = u32_at(bytes, 8);
    if version > SNAPSHOT_VERSION {
        return Err(StoreError::NewerFormat {
            path: path.to_path_buf(),
            found: version,
            supported: SNAPSHOT_VERSION,
        });
    }
    if bytes.len() < SNAPSHOT_HEADER_LEN {
        return Ok(Err(format!("header cut short ({} bytes)", bytes.len())));
    }
    let covers = u64_at(bytes, 12);
    let payload_len = u64_at(bytes, 20);
    let stored_crc = u32_at(bytes, 28);
    let payload = &bytes[SNAPSHOT_HEADER_LEN..];
    if payload.len() as u64 != payload_len {
        return Ok(Err(format!(
            "payload is {} bytes, header says {payload_len}",
            payload.len()
        )));
    }
    let crc = checksum(&bytes[..28], payload);
    if crc != stored_crc {
        return Ok(Err(format!(
            "checksum mismatch (stored {stored_crc:08x}, computed {crc:08x})"
        )));
    }
    if covers != expected_covers {
        return Ok(Err(format!(
            "header covers seq {covers} but the file name says {expected_covers}"
        )));
    }
    match migrate(path, version, payload)? {
        Ok(state) => Ok(Ok((state, covers))),
        Err(reason) => Ok(Err(reason)),
    }
}

/// Turns the payload of a snapshot of format `version` into today's state.
///
/// Policy: the payload of every past format stays readable. When the format
/// changes, `SNAPSHOT_VERSION` is bumped and a step `vN -> vN+1` is added here,
/// working on the `serde_json::Value` (rename a field, fill a default, ...);
/// steps run in a chain up to the current version. Version 1 is the first
/// format, so there is no step yet; version 0 never existed.
fn migrate(
    path: &Path,
    version: u32,
    payload: &[u8],
) -> Result<Result<EventState, String>, StoreError> {
    match version {
        1 => Ok(serde_json::from_slice(payload)
            .map_err(|e| format!("checksum matches but the state does not decode: {e}"))),
        found => Err(StoreError::UnknownFormat {
            path: path.to_path_buf(),
            found,
        }),
    }
}

/// Writes a snapshot atomically: a temporary file, written and fsync'd, then
/// renamed over the final name, then the directory fsync'd. A crash at any
/// point leaves either no snapshot or a complete one (and perhaps a `.tmp`,
/// removed at the next open).
pub fn write_atomic(
    dir: &Path,
    covers_seq: u64,
    bytes: &[u8],
    fsync: bool,
    faults: Option<&FaultInjector>,
) -> Result<PathBuf, StoreError> {
    let path = dir.join(layout::snapshot_name(covers_seq));
    let tmp = dir.join(format!(
        "{}{}",
        layout::snapshot_name(covers_seq),
        layout::TMP_SUFFIX
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| StoreError::io("create snapshot", &tmp, e))?;
        fault::write_all(&mut file, bytes, faults)
            .map_err(|e| StoreError::io("write snapshot", &tmp, e))?;
        if fsync {
            fault::sync(&file, false, faults)
                .map_err(|e| StoreError::io("fsync snapshot", &tmp, e))?;
        }
        drop(file);
        std::fs::rename(&tmp, &path).map_err(|e| StoreError::io("rename snapshot to", &path, e))?;
        if fsync {
            layout::sync_dir(dir).map_err(|e| StoreError::io("fsync directory", dir, e))?;
        }
        Ok(path.clone())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_header_layout() {
        let state = EventState::new("e", "Event");
        let bytes = encode(&state, 42).unwrap();
        assert_eq!(&bytes[..8], b"AMPHISNP");
        assert_eq!(u32_at(&bytes, 8), 1);
        assert_eq!(u64_at(&bytes, 12), 42);
        assert_eq!(u64_at(&bytes, 20) as usize, bytes.len() - 32);
        let path = Path::new("snapshot-x.snap");
        let (back, covers) = decode(path, &bytes, 42).unwrap().unwrap();
        assert_eq!((back, covers), (state, 42));
    }

    #[test]
    fn damage_is_reported_not_fatal() {
        let state = EventState::new("e", "Event");
        let path = Path::new("snapshot-x.snap");
        let good = encode(&state, 7).unwrap();
        for at in [13, 21, 30, 40, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 1;
            assert!(decode(path, &bad, 7).unwrap().is_err(), "byte {at}");
        }
        assert!(decode(path, &good[..good.len() - 1], 7).unwrap().is_err());
        assert!(decode(path, &good, 8).unwrap().is_err(), "name mismatch");
    }

    #[test]
    fn newer_and_unknown_versions_are_hard_errors() {
        let path = Path::new("snapshot-x.snap");
        let mut bytes = encode(&EventState::new("e", "E"), 1).unwrap();
        bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
        let err = decode(path, &bytes, 1).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("newer amphi, format 2"), "{text}");
        assert!(text.contains("reads up to 1"), "{text}");
        let mut bytes = encode(&EventState::new("e", "E"), 1).unwrap();
        bytes[8..12].copy_from_slice(&0u32.to_le_bytes());
        let crc = checksum(&bytes[..28], &bytes[32..]);
        bytes[28..32].copy_from_slice(&crc.to_le_bytes());
        assert!(matches!(
            decode(path, &bytes, 1),
            Err(StoreError::UnknownFormat { found: 0, .. })
        ));
    }
}
