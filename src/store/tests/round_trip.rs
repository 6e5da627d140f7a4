//! Appending, group commit, reopening, directories and the lock.

use super::*;
use crate::store::{event_dir, list_events};

#[tokio::test]
async fn round_trip_returns_every_record_in_order() {
    let tmp = TempDir::new("round-trip");
    let (recovered, mut journal, snapshotter) = open(tmp.path(), &options());
    assert!(recovered.is_fresh());
    assert_eq!(recovered.next_seq, 1);
    assert_eq!(journal.next_seq(), 1);
    let last = append_durable(&mut journal, 500).await;
    assert_eq!(last, 500);
    close(journal, snapshotter).await;

    let (recovered, mut journal, snapshotter) = open(tmp.path(), &options());
    assert!(recovered.warnings.is_empty(), "{:?}", recovered.warnings);
    assert_eq!(recovered.next_seq, 501);
    assert_eq!(journal.next_seq(), 501);
    let seqs: Vec<u64> = recovered.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=500).collect::<Vec<_>>());
    for r in &recovered.records {
        assert_eq!(r.command, chat(r.seq));
        assert_eq!(r.at, 1_000 + r.seq);
        assert_eq!(r.actor, Some(MemberId(1)));
    }
    // Appending after a reopen continues the same segment.
    append_durable(&mut journal, 10).await;
    close(journal, snapshotter).await;
    assert_eq!(segments(tmp.path()).len(), 1);
    let (recovered, _, _) = open(tmp.path(), &options());
    assert_eq!(recovered.records.len(), 510);
    assert_eq!(recovered.next_seq, 511);
}

#[tokio::test]
async fn group_commit_reports_a_growing_durable_watermark() {
    let tmp = TempDir::new("group-commit");
    let (_, mut journal, _snapshotter) = open(tmp.path(), &options());
    for n in 1..=2000 {
        journal.append(n, None, chat(n)).unwrap();
    }
    let mut reports = Vec::new();
    while reports.last() != Some(&2000) {
        let upto = tokio::time::timeout(std::time::Duration::from_secs(20), journal.durable())
            .await
            .unwrap()
            .unwrap();
        reports.push(upto);
    }
    assert!(reports.windows(2).all(|w| w[0] < w[1]), "{reports:?}");
    // Records queued together are committed together: far fewer syncs than records.
    assert!(reports.len() < 2000, "{} reports", reports.len());
    assert_eq!(journal.durable_seq(), 2000);
    assert_eq!(journal.health().durable_seq(), 2000);
    assert!(journal.is_healthy());
    assert!(journal.ready().is_ok());
}

#[tokio::test]
async fn group_size_is_bounded() {
    let tmp = TempDir::new("group-max");
    let opts = StoreOptions {
        group_max_records: 7,
        ..options()
    };
    let (_, mut journal, _snapshotter) = open(tmp.path(), &opts);
    for n in 1..=100 {
        journal.append(n, None, chat(n)).unwrap();
    }
    let mut prev = 0;
    while prev < 100 {
        let upto = journal.durable().await.unwrap();
        assert!(upto - prev <= 7, "group {prev}..{upto} is larger than 7");
        prev = upto;
    }
}

#[test]
fn missing_directory_is_created() {
    let tmp = TempDir::new("missing");
    let dir = tmp.path().join("events").join("demo");
    assert!(!dir.exists());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let (recovered, journal, _) = open(&dir, &options());
    assert!(dir.is_dir());
    assert!(recovered.is_fresh());
    assert!(recovered.warnings.is_empty());
    assert_eq!(journal.next_seq(), 1);
}

#[tokio::test]
async fn events_are_listed_by_directory() {
    let tmp = TempDir::new("list");
    assert_eq!(list_events(tmp.path()).unwrap(), Vec::<String>::new());
    for id in ["demo", "hack-2025"] {
        let dir = event_dir(tmp.path(), id).unwrap();
        let (_, journal, snapshotter) = open(&dir, &options());
        close(journal, snapshotter).await;
    }
    std::fs::write(tmp.path().join("events").join("stray.txt"), b"x").unwrap();
    assert_eq!(list_events(tmp.path()).unwrap(), ["demo", "hack-2025"]);
    assert!(matches!(
        event_dir(tmp.path(), "../etc"),
        Err(StoreError::InvalidEventId(_))
    ));
}

#[tokio::test]
async fn an_open_event_directory_is_locked() {
    let tmp = TempDir::new("lock");
    let (_, journal, snapshotter) = open(tmp.path(), &options());
    let err = open_err(tmp.path(), &options());
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("in use"), "{err}");
    close(journal, snapshotter).await;
    let _reopened = open(tmp.path(), &options());
}
