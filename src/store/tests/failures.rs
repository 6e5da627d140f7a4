//! Write failures: held records, unhealthy store, refusal, self-recovery.
//!
//! The process runs as root in CI, where `chmod` cannot make a directory
//! read-only, so failures are injected at the exact write and fsync calls
//! through [`FaultInjector`].

use super::*;
use crate::store::{Fault, FaultInjector};
use std::time::Duration;

async fn wait_unhealthy(journal: &Journal) {
    for _ in 0..200 {
        if !journal.is_healthy() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("store never became unhealthy");
}

/// No durable report arrives within `ms`.
async fn no_report(journal: &mut Journal, ms: u64) {
    let got = tokio::time::timeout(Duration::from_millis(ms), journal.durable()).await;
    assert!(got.is_err(), "reported durable while writes fail: {got:?}");
}

async fn failure_then_recovery(fault: Fault, name: &str) {
    let tmp = TempDir::new(name);
    let faults = FaultInjector::new();
    let opts = StoreOptions {
        faults: Some(faults.clone()),
        ..options()
    };
    let (_, mut journal, snapshotter) = open(tmp.path(), &opts);
    append_durable(&mut journal, 10).await;

    faults.arm(fault);
    for n in 11..=15 {
        journal.append(n, None, chat(n)).unwrap();
    }
    wait_unhealthy(&journal).await;
    no_report(&mut journal, 300).await;
    assert_eq!(journal.durable_seq(), 10);
    let health = journal.health();
    assert!(!health.is_healthy());
    assert!(health.errors() >= 1);
    assert!(health.last_error().is_some());
    let refusal = journal.ready().unwrap_err();
    assert!(matches!(refusal, StoreError::Unavailable(_)), "{refusal}");

    // A record applied just before the hub saw the failure is still taken,
    // held, and made durable later: never dropped.
    journal.append(16, None, chat(16)).unwrap();

    faults.heal();
    wait_durable(&mut journal, 16).await;
    assert!(journal.is_healthy());
    assert!(journal.ready().is_ok());
    assert_eq!(health.durable_seq(), 16);
    append_durable(&mut journal, 4).await;
    close(journal, snapshotter).await;

    let (recovered, _, _) = open(tmp.path(), &options());
    assert!(recovered.warnings.is_empty(), "{:?}", recovered.warnings);
    let seqs: Vec<u64> = recovered.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>());
    for r in &recovered.records {
        assert_eq!(r.command, chat(r.seq), "record {} differs", r.seq);
    }
}

#[tokio::test]
async fn a_full_disk_holds_records_until_it_recovers() {
    failure_then_recovery(Fault::Write, "fail-write").await;
}

#[tokio::test]
async fn a_failed_fsync_is_never_reported_durable() {
    failure_then_recovery(Fault::Sync, "fail-sync").await;
}

#[tokio::test]
async fn a_failure_while_creating_a_segment_is_retried() {
    let tmp = TempDir::new("fail-create");
    let faults = FaultInjector::new();
    let opts = StoreOptions {
        faults: Some(faults.clone()),
        ..options()
    };
    let (_, mut journal, snapshotter) = open(tmp.path(), &opts);
    faults.arm(Fault::Write);
    for n in 1..=3 {
        journal.append(n, None, chat(n)).unwrap();
    }
    wait_unhealthy(&journal).await;
    no_report(&mut journal, 200).await;
    faults.heal();
    wait_durable(&mut journal, 3).await;
    close(journal, snapshotter).await;
    let (recovered, _, _) = open(tmp.path(), &options());
    let seqs: Vec<u64> = recovered.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert!(recovered.warnings.is_empty(), "{:?}", recovered.warnings);
}

#[tokio::test]
async fn a_crash_during_a_failing_write_leaves_only_a_torn_tail() {
    let tmp = TempDir::new("fail-crash");
    let faults = FaultInjector::new();
    // One record per group, so the failing group is exactly seq 11, half
    // written. (With bigger groups, whole unacknowledged records before the
    // tear may survive too; that is allowed: they were never acknowledged,
    // and they are complete.)
    let opts = StoreOptions {
        faults: Some(faults.clone()),
        group_max_records: 1,
        ..options()
    };
    let (_, mut journal, snapshotter) = open(tmp.path(), &opts);
    append_durable(&mut journal, 10).await;
    faults.arm(Fault::Write);
    for n in 11..=40 {
        journal.append(n, None, chat(n)).unwrap();
    }
    wait_unhealthy(&journal).await;
    // The half-written group is on disk when the process "dies" here.
    let seg = segments(tmp.path())[0].clone();
    let crashed = std::fs::read(&seg).unwrap();
    drop(journal);
    drop(snapshotter);
    faults.heal();
    // Stand in for the restarted process: restore the bytes as they were at the crash.
    let other = TempDir::new("fail-crash-copy");
    std::fs::create_dir_all(other.path()).unwrap();
    std::fs::write(other.path().join(seg.file_name().unwrap()), crashed).unwrap();
    let (recovered, _, _) = open(other.path(), &options());
    let seqs: Vec<u64> = recovered.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
    assert_eq!(recovered.warnings.len(), 1, "{:?}", recovered.warnings);
}
