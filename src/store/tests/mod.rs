//! Tests of the store against real files in temporary directories.

mod corruption;
mod determinism;
mod failures;
mod round_trip;
mod snapshots;
mod throughput;

use super::{Journal, Recovered, Snapshotter, StoreError, StoreOptions, open_event};
use crate::domain::{Channel, Command, MemberId};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A directory under the system temp dir, removed on drop.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("amphi-store-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Default options, with fsync on (these tests are about durability).
pub(super) fn options() -> StoreOptions {
    StoreOptions::default()
}

pub(super) type Opened = (Recovered, Journal, Snapshotter);

pub(super) fn open(dir: &Path, options: &StoreOptions) -> Opened {
    match open_event(dir, options) {
        Ok(opened) => opened,
        Err(err) => panic!("open {}: {err}", dir.display()),
    }
}

pub(super) fn open_err(dir: &Path, options: &StoreOptions) -> StoreError {
    match open_event(dir, options) {
        Ok(_) => panic!("open {} should fail", dir.display()),
        Err(err) => err,
    }
}

/// A chat command carrying `n`, so records are easy to tell apart.
pub(super) fn chat(n: u64) -> Command {
    Command::PostChat {
        channel: Channel::Announcements,
        text: format!("message {n}").into(),
    }
}

/// Appends `count` chat records and waits until the last is durable.
pub(super) async fn append_durable(journal: &mut Journal, count: u64) -> u64 {
    let mut last = 0;
    for _ in 0..count {
        let n = journal.next_seq();
        last = journal
            .append(1_000 + n, Some(MemberId(1)), chat(n))
            .unwrap();
    }
    wait_durable(journal, last).await;
    last
}

/// Waits (bounded) until `journal` reports `seq` durable.
pub(super) async fn wait_durable(journal: &mut Journal, seq: u64) {
    let wait = async {
        while let Some(upto) = journal.durable().await {
            if upto >= seq {
                return;
            }
        }
        panic!("journal closed before seq {seq} was durable");
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), wait)
        .await
        .unwrap();
}

/// Closes both handles so the directory can be reopened.
pub(super) async fn close(journal: Journal, snapshotter: Snapshotter) {
    journal.close().await;
    snapshotter.close().await;
}

/// The journal segment files of `dir`, oldest first.
pub(super) fn segments(dir: &Path) -> Vec<PathBuf> {
    super::layout::list(dir)
        .unwrap()
        .segments
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// The snapshot files of `dir`, oldest first.
pub(super) fn snapshots(dir: &Path) -> Vec<PathBuf> {
    super::layout::list(dir)
        .unwrap()
        .snapshots
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}
