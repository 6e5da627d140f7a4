//! The event's `files/` directory (`<data>/events/<id>/files/`): one file per
//! content, named `<sha256>.<ext>`.
//!
//! A file is written to a temporary name, fsynced, renamed, and the directory
//! fsynced, all before the command that references it is applied and
//! journaled: so whatever a recovered state references is on disk. Files no
//! state references (an upload refused after it was written, a file taken
//! off a page, a dissolved team's) are removed when the event is opened.

use crate::domain::projects::{FileKind, StoredFile};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The sub-directory of an event directory holding its files.
pub const FILES_DIR: &str = "files";
const TMP_SUFFIX: &str = ".tmp";

/// The files directory of an event directory.
pub fn files_dir(event_dir: &Path) -> PathBuf {
    event_dir.join(FILES_DIR)
}

/// A stored file's name: `<sha256>.<ext>`.
pub fn file_name(file: &StoredFile) -> String {
    format!("{}.{}", file.sha256, file.kind.extension())
}

/// The checksum and kind a well-formed file name stands for; `None` for any
/// other name (so a request path can never leave the directory).
pub fn parse_name(name: &str) -> Option<(String, FileKind)> {
    let (sha, ext) = name.split_once('.')?;
    let hex = sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let kind = [FileKind::Pdf, FileKind::Png, FileKind::Jpeg, FileKind::Webp]
        .into_iter()
        .find(|k| k.extension() == ext)?;
    hex.then(|| (sha.to_string(), kind))
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` (already detected as `kind`) durably into `dir` and
/// returns its reference. An identical file already there is synced again
/// and kept.
pub fn store(dir: &Path, bytes: &[u8], kind: FileKind) -> std::io::Result<StoredFile> {
    let file = StoredFile {
        sha256: sha256_hex(bytes),
        kind,
        bytes: bytes.len() as u64,
    };
    if !dir.exists() {
        std::fs::create_dir_all(dir)?;
        if let Some(parent) = dir.parent() {
            sync_dir(parent)?;
        }
    }
    let path = dir.join(file_name(&file));
    let tmp = dir.join(format!("{}{TMP_SUFFIX}", file_name(&file)));
    let mut out = File::create(&tmp)?;
    out.write_all(bytes)?;
    out.sync_all()?;
    drop(out);
    std::fs::rename(&tmp, &path)?;
    sync_dir(dir)?;
    Ok(file)
}

/// Bytes the files in `dir` take, orphans included (0 if it is missing).
pub fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.metadata().ok())
        .map(|meta| meta.len())
        .sum()
}

/// Removes from `dir` every file no `referenced` name is (and leftover
/// temporary files); returns how many were removed. Files referenced but
/// missing are returned too, to be reported: the write order above means
/// there should be none.
pub fn sweep<'a>(
    dir: &Path,
    referenced: impl Iterator<Item = &'a StoredFile>,
) -> std::io::Result<(usize, Vec<String>)> {
    let keep: HashSet<String> = referenced.map(file_name).collect();
    let mut removed = 0;
    let mut present = HashSet::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((0, keep.into_iter().collect()));
        }
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if keep.contains(&name) {
            present.insert(name);
        } else {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    if removed > 0 {
        sync_dir(dir)?;
    }
    let mut missing: Vec<String> = keep.difference(&present).cloned().collect();
    missing.sort();
    Ok((removed, missing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::detect::samples;

    fn temp() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "amphi-files-{}-{}",
            std::process::id(),
            sha256_hex(format!("{:?}", std::time::SystemTime::now()).as_bytes())
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn files_are_named_by_their_checksum_and_orphans_are_swept() {
        let event = temp();
        let dir = files_dir(&event);
        let png = store(&dir, &samples::png(), FileKind::Png).unwrap();
        let pdf = store(&dir, &samples::pdf(), FileKind::Pdf).unwrap();
        assert_eq!(dir_bytes(&dir), png.bytes + pdf.bytes);
        assert_eq!(png.sha256, sha256_hex(&samples::png()));
        assert_eq!(
            std::fs::read(dir.join(file_name(&png))).unwrap(),
            samples::png()
        );
        assert_eq!(
            parse_name(&file_name(&png)),
            Some((png.sha256.clone(), FileKind::Png))
        );
        std::fs::write(dir.join("junk.tmp"), b"x").unwrap();
        let (removed, missing) = sweep(&dir, [&pdf].into_iter()).unwrap();
        assert_eq!((removed, missing.len()), (2, 0));
        assert!(!dir.join(file_name(&png)).exists());
        assert!(dir.join(file_name(&pdf)).exists());
        let (_, missing) = sweep(&dir, [&pdf, &png].into_iter()).unwrap();
        assert_eq!(missing, vec![file_name(&png)]);
        std::fs::remove_dir_all(&event).unwrap();
    }

    #[test]
    fn only_well_formed_names_are_files() {
        let sha = "a".repeat(64);
        assert!(parse_name(&format!("{sha}.png")).is_some());
        for bad in [
            format!("{sha}.html"),
            format!("{}.png", "A".repeat(64)),
            "../../etc/passwd".to_string(),
            format!("{sha}.png.tmp"),
            format!("{}.pdf", "a".repeat(63)),
        ] {
            assert!(parse_name(&bad).is_none(), "{bad}");
        }
    }
}
