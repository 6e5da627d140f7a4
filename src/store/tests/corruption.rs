//! Damaged journals and directories: what is cut, what is refused.

use super::*;
use crate::store::framing::{self, SEGMENT_HEADER_LEN};
use crate::store::layout::segment_name;
use crate::store::record::Record;

/// Writes 10 durable records and returns the segment path and record offsets.
async fn ten_records(dir: &Path) -> (PathBuf, Vec<usize>) {
    let (_, mut journal, snapshotter) = open(dir, &options());
    append_durable(&mut journal, 10).await;
    close(journal, snapshotter).await;
    let segs = segments(dir);
    assert_eq!(segs.len(), 1);
    let bytes = std::fs::read(&segs[0]).unwrap();
    let mut starts = Vec::new();
    let mut at = SEGMENT_HEADER_LEN;
    while at < bytes.len() {
        starts.push(at);
        at = framing::decode_at(&bytes, at).unwrap().1;
    }
    assert_eq!(starts.len(), 10);
    (segs[0].clone(), starts)
}

fn flip(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x20;
    std::fs::write(path, bytes).unwrap();
}

fn seqs(recovered: &Recovered) -> Vec<u64> {
    recovered.records.iter().map(|r| r.seq).collect()
}

#[tokio::test]
async fn torn_tail_is_cut_with_a_warning_and_the_rest_kept() {
    let tmp = TempDir::new("torn");
    let (seg, starts) = ten_records(tmp.path()).await;
    let full = std::fs::metadata(&seg).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    file.set_len(full - 5).unwrap();
    drop(file);

    let (recovered, mut journal, snapshotter) = open(tmp.path(), &options());
    assert_eq!(seqs(&recovered), (1..=9).collect::<Vec<_>>());
    assert_eq!(recovered.next_seq, 10);
    assert_eq!(recovered.warnings.len(), 1, "{:?}", recovered.warnings);
    assert!(recovered.warnings[0].contains(&segment_name(1)));
    assert!(recovered.warnings[0].contains(&format!("offset {}", starts[9])));
    assert_eq!(std::fs::metadata(&seg).unwrap().len(), starts[9] as u64);
    // Seq 10 is given again, to a new record, and lands right after seq 9.
    append_durable(&mut journal, 3).await;
    close(journal, snapshotter).await;
    let (recovered, _, _) = open(tmp.path(), &options());
    assert!(recovered.warnings.is_empty(), "{:?}", recovered.warnings);
    assert_eq!(seqs(&recovered), (1..=12).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_flipped_byte_in_the_last_complete_record_is_refused_unless_the_operator_cuts_it() {
    let tmp = TempDir::new("flip-last");
    let (seg, starts) = ten_records(tmp.path()).await;
    let before = std::fs::read(&seg).unwrap();
    flip(&seg, starts[9] + 20);
    // A complete record that changed may have been acknowledged: refused.
    let err = open_err(tmp.path(), &options());
    match &err {
        StoreError::Corrupt { path, offset, .. } => {
            assert_eq!(path, &seg);
            assert_eq!(*offset, starts[9] as u64);
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    let text = err.to_string();
    assert!(text.contains("complete but corrupt"), "{text}");
    assert!(text.contains("--cut-corrupt-last-record"), "{text}");
    assert_eq!(std::fs::read(&seg).unwrap().len(), before.len());
    // The operator's flag cuts it, and the warning says which kind it was.
    let cutting = StoreOptions {
        cut_corrupt_last_record: true,
        ..options()
    };
    let (recovered, _, _) = open(tmp.path(), &cutting);
    assert_eq!(seqs(&recovered), (1..=9).collect::<Vec<_>>());
    assert_eq!(recovered.warnings.len(), 1);
    let warning = &recovered.warnings[0];
    assert!(warning.contains("checksum"), "{warning}");
    assert!(
        warning.contains("complete record that is corrupt"),
        "{warning}"
    );
}

#[tokio::test]
async fn a_torn_last_record_is_cut_and_called_incomplete() {
    let tmp = TempDir::new("torn-says");
    let (seg, _) = ten_records(tmp.path()).await;
    let full = std::fs::metadata(&seg).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    file.set_len(full - 5).unwrap();
    drop(file);
    let (recovered, _, _) = open(tmp.path(), &options());
    assert_eq!(seqs(&recovered), (1..=9).collect::<Vec<_>>());
    assert!(
        recovered.warnings[0].contains("an incomplete record"),
        "{:?}",
        recovered.warnings
    );
}

#[tokio::test]
async fn a_journal_cut_below_its_header_is_refused_when_it_is_all_the_event_has() {
    let tmp = TempDir::new("short-only");
    let (seg, _) = ten_records(tmp.path()).await;
    let file = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    file.set_len(7).unwrap();
    drop(file);
    let text = open_err(tmp.path(), &options()).to_string();
    assert!(text.contains(&segment_name(1)), "{text}");
    assert!(text.contains("header cut short"), "{text}");
    assert!(seg.exists(), "the file is kept for the operator");
}

#[tokio::test]
async fn trailing_garbage_is_cut() {
    let tmp = TempDir::new("garbage");
    let (seg, _) = ten_records(tmp.path()).await;
    let mut bytes = std::fs::read(&seg).unwrap();
    let good = bytes.len();
    bytes.extend_from_slice(&[0u8; 4096]);
    std::fs::write(&seg, bytes).unwrap();
    let (recovered, _, _) = open(tmp.path(), &options());
    assert_eq!(seqs(&recovered), (1..=10).collect::<Vec<_>>());
    assert_eq!(recovered.warnings.len(), 1);
    assert_eq!(std::fs::metadata(&seg).unwrap().len(), good as u64);
}

#[tokio::test]
async fn flipped_byte_in_a_middle_record_is_refused() {
    let tmp = TempDir::new("flip-middle");
    let (seg, starts) = ten_records(tmp.path()).await;
    let before = std::fs::read(&seg).unwrap();
    flip(&seg, starts[4] + 12);
    let err = open_err(tmp.path(), &options());
    match &err {
        StoreError::Corrupt { path, offset, .. } => {
            assert_eq!(path, &seg);
            assert_eq!(*offset, starts[4] as u64);
        }
        other => panic!("expected Corrupt, got {other}"),
    }
    let text = err.to_string();
    assert!(text.contains(&segment_name(1)), "{text}");
    assert!(text.contains(&format!("byte {}", starts[4])), "{text}");
    // Nothing was cut: the operator still has every byte.
    assert_eq!(std::fs::read(&seg).unwrap().len(), before.len());
}

#[tokio::test]
async fn damaged_length_in_a_middle_record_is_refused() {
    let tmp = TempDir::new("len-middle");
    let (seg, starts) = ten_records(tmp.path()).await;
    flip(&seg, starts[2] + 1);
    assert!(matches!(
        open_err(tmp.path(), &options()),
        StoreError::Corrupt { .. }
    ));
}

/// Writes a segment by hand holding the given seqs.
fn write_segment(dir: &Path, first: u64, seqs: std::ops::RangeInclusive<u64>) {
    let mut bytes = framing::segment_header().to_vec();
    for seq in seqs {
        let record = Record {
            seq,
            at: seq,
            actor: None,
            command: chat(seq),
        };
        framing::encode_record(&record, &mut bytes).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(segment_name(first)), bytes).unwrap();
}

#[tokio::test]
async fn a_missing_record_is_refused() {
    let tmp = TempDir::new("gap");
    write_segment(tmp.path(), 1, 1..=3);
    write_segment(tmp.path(), 5, 5..=6);
    let err = open_err(tmp.path(), &options());
    assert!(
        matches!(
            err,
            StoreError::Gap {
                expected: 4,
                found: 5,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_journal_starting_late_without_snapshot_is_refused() {
    let tmp = TempDir::new("late");
    write_segment(tmp.path(), 7, 7..=9);
    let err = open_err(tmp.path(), &options());
    assert!(
        matches!(
            err,
            StoreError::MissingHistory {
                first: 7,
                covers: 0,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_newer_journal_format_is_refused() {
    let tmp = TempDir::new("newer-journal");
    write_segment(tmp.path(), 1, 1..=2);
    let path = tmp.path().join(segment_name(1));
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
    std::fs::write(&path, bytes).unwrap();
    let text = open_err(tmp.path(), &options()).to_string();
    assert!(text.contains("newer amphi, format 2"), "{text}");
}

#[tokio::test]
async fn a_segment_torn_while_created_is_removed() {
    let tmp = TempDir::new("torn-header");
    write_segment(tmp.path(), 1, 1..=4);
    std::fs::write(tmp.path().join(segment_name(5)), b"AMPHI").unwrap();
    let (recovered, mut journal, snapshotter) = open(tmp.path(), &options());
    assert_eq!(seqs(&recovered), (1..=4).collect::<Vec<_>>());
    assert_eq!(recovered.warnings.len(), 1);
    append_durable(&mut journal, 2).await;
    close(journal, snapshotter).await;
    let (recovered, _, _) = open(tmp.path(), &options());
    assert_eq!(seqs(&recovered), (1..=6).collect::<Vec<_>>());
}

#[test]
fn an_unusable_directory_names_the_path_and_the_os_error() {
    // A path under a regular file: refused even for root, unlike chmod.
    let tmp = TempDir::new("unusable");
    std::fs::create_dir_all(tmp.path()).unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let dir = file.join("events").join("demo");
    let err = open_err(&dir, &options());
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&dir.display().to_string()), "{text}");
    assert!(text.contains("directory"), "{text}");
}

#[test]
fn a_read_only_directory_is_refused_unless_running_as_root() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new("read-only");
    let dir = tmp.path().join("demo");
    std::fs::create_dir_all(&dir).unwrap();
    write_segment(&dir, 1, 1..=2);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = dir.join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        // Root (or CAP_DAC_OVERRIDE) ignores modes: covered by the fault
        // injector tests instead.
        eprintln!("running as root: chmod does not stop writes; skipped");
        let _ = std::fs::remove_file(&probe);
    } else {
        let err = open_err(&dir, &options());
        let text = err.to_string();
        assert!(text.contains(&dir.display().to_string()), "{text}");
        assert!(text.to_lowercase().contains("permission"), "{text}");
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
}
