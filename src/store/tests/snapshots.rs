//! Snapshots: fallback, rotation and pruning, format versions, ordering.

use super::determinism::{Driver, fresh, reopen_state, venue};
use super::*;
use crate::domain::{Event, Limits};
use crate::store::{Fault, FaultInjector};
use std::time::Duration;

/// Waits (bounded) until the snapshot thread wrote a snapshot covering `seq`.
async fn wait_snapshot(snapshotter: &Snapshotter, seq: u64) {
    for _ in 0..400 {
        if snapshotter.snapshot_seq() >= seq {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no snapshot covering {seq}");
}

#[tokio::test]
async fn corrupt_newest_snapshot_falls_back_to_the_previous_one() {
    let tmp = TempDir::new("snap-fallback");
    let (_, journal, snapshotter) = open(tmp.path(), &options());
    let event = Event::new(fresh(), venue(), Limits::default());
    let mut driver = Driver::new(event, journal, 3);
    let mut covered = Vec::new();
    for _ in 0..3 {
        driver.play(400);
        let (state, covers) = driver.snapshot_request();
        snapshotter.request(state, covers);
        wait_snapshot(&snapshotter, covers).await;
        covered.push(covers);
    }
    driver.play(400);
    driver.sync().await;
    let live = driver.state_json();
    close(driver.journal, snapshotter).await;

    let snaps = snapshots(tmp.path());
    assert_eq!(snaps.len(), 3);
    let newest = &snaps[2];
    let mut bytes = std::fs::read(newest).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(newest, bytes).unwrap();

    let (replayed, recovered, _, _) = reopen_state(tmp.path());
    assert_eq!(recovered.covers_seq, covered[1]);
    assert_eq!(recovered.warnings.len(), 1, "{:?}", recovered.warnings);
    assert!(recovered.warnings[0].contains("damaged"));
    assert_eq!(replayed, live);
}

#[tokio::test]
async fn snapshots_rotate_the_journal_and_prune_covered_segments() {
    let tmp = TempDir::new("snap-rotate");
    let opts = StoreOptions {
        snapshots_kept: 2,
        ..options()
    };
    let (_, journal, snapshotter) = open(tmp.path(), &opts);
    let event = Event::new(fresh(), venue(), Limits::default());
    let mut driver = Driver::new(event, journal, 5);
    let mut covered = Vec::new();
    for _ in 0..5 {
        driver.play(300);
        driver.sync().await;
        let (state, covers) = driver.snapshot_request();
        snapshotter.request(state, covers);
        wait_snapshot(&snapshotter, covers).await;
        covered.push(covers);
    }
    driver.play(300);
    driver.sync().await;
    let live = driver.state_json();
    close(driver.journal, snapshotter).await;

    let snaps = snapshots(tmp.path());
    assert_eq!(snaps.len(), 2, "{snaps:?}");
    let listing = crate::store::layout::list(tmp.path()).unwrap();
    let firsts: Vec<u64> = listing.segments.iter().map(|(f, _)| *f).collect();
    // Each snapshot started a new segment; those entirely covered by the
    // oldest kept snapshot are gone.
    assert_eq!(firsts, [covered[3] + 1, covered[4] + 1]);

    let (replayed, recovered, _, _) = reopen_state(tmp.path());
    assert_eq!(recovered.covers_seq, covered[4]);
    assert_eq!(replayed, live);

    // Falling back to the oldest kept snapshot still finds its journal.
    std::fs::remove_file(&snaps[1]).unwrap();
    let (replayed, recovered, _, _) = reopen_state(tmp.path());
    assert_eq!(recovered.covers_seq, covered[3]);
    assert_eq!(replayed, live);
}

#[tokio::test]
async fn a_newer_snapshot_format_is_refused() {
    let tmp = TempDir::new("snap-newer");
    let (_, mut journal, snapshotter) = open(tmp.path(), &options());
    let last = append_durable(&mut journal, 3).await;
    snapshotter.request(fresh(), last);
    wait_snapshot(&snapshotter, last).await;
    close(journal, snapshotter).await;
    let snap = &snapshots(tmp.path())[0];
    let mut bytes = std::fs::read(snap).unwrap();
    bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
    std::fs::write(snap, bytes).unwrap();
    let err = open_err(tmp.path(), &options());
    let text = err.to_string();
    assert!(
        text.contains("written by a newer amphi, format 2; this binary reads up to 1"),
        "{text}"
    );
    assert!(text.contains(&snap.display().to_string()), "{text}");
}

#[tokio::test]
async fn a_snapshot_waits_for_its_records_to_be_durable() {
    let tmp = TempDir::new("snap-wait");
    let faults = FaultInjector::new();
    let opts = StoreOptions {
        faults: Some(faults.clone()),
        ..options()
    };
    let (_, mut journal, snapshotter) = open(tmp.path(), &opts);
    append_durable(&mut journal, 5).await;
    faults.arm(Fault::Sync);
    for n in 6..=8 {
        journal.append(n, None, chat(n)).unwrap();
    }
    snapshotter.request(fresh(), 8);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        snapshots(tmp.path()).is_empty(),
        "snapshot written before its journal"
    );
    assert_eq!(snapshotter.snapshot_seq(), 0);
    faults.heal();
    wait_durable(&mut journal, 8).await;
    wait_snapshot(&snapshotter, 8).await;
    assert_eq!(snapshots(tmp.path()).len(), 1);
}

#[tokio::test]
async fn a_leftover_temporary_snapshot_is_removed() {
    let tmp = TempDir::new("snap-tmp");
    std::fs::create_dir_all(tmp.path()).unwrap();
    let tmp_file = tmp.path().join("snapshot-00000000000000000009.snap.tmp");
    std::fs::write(&tmp_file, b"half a snapshot").unwrap();
    let (recovered, _, _) = open(tmp.path(), &options());
    assert!(!tmp_file.exists());
    assert_eq!(recovered.warnings.len(), 1);
    assert!(recovered.is_fresh());
}

#[tokio::test]
async fn damaged_snapshots_without_the_journal_they_cover_are_refused() {
    let tmp = TempDir::new("snap-incomplete");
    let (_, mut journal, snapshotter) = open(tmp.path(), &options());
    let last = append_durable(&mut journal, 5).await;
    snapshotter.request(fresh(), last);
    wait_snapshot(&snapshotter, last).await;
    close(journal, snapshotter).await;
    // The journal was compacted away and the only snapshot is damaged.
    for seg in segments(tmp.path()) {
        std::fs::remove_file(seg).unwrap();
    }
    let snap = &snapshots(tmp.path())[0];
    let mut bytes = std::fs::read(snap).unwrap();
    let end = bytes.len() - 1;
    bytes[end] ^= 0x01;
    std::fs::write(snap, bytes).unwrap();
    let err = open_err(tmp.path(), &options());
    assert!(
        matches!(
            err,
            StoreError::Incomplete {
                claims: 5,
                reaches: 0,
                ..
            }
        ),
        "{err}"
    );
}
