//! Durability tests (issue 3): the server keeps what it acknowledged across
//! restarts, crashes and write failures.
//!
//! One test binary, one module per concern:
//! - [`restart`]: a graceful restart on the same data directory restores
//!   every kind of durable state; replaying the journal alone gives exactly
//!   the state the live hub had.
//! - [`crash`]: the real binary under load, killed with SIGKILL at random
//!   moments; `amphi dump` finds every acknowledged chat exactly once, in order.
//! - [`startup`]: join links across starts, the bootstrap token, and refusing
//!   a corrupt store with a message naming the file.
//! - [`faults`]: journal write failures give `storage_unavailable` and a 503
//!   `/healthz`, and both recover by themselves.
//!
//! - [`fixtures`]: data directories written by released versions recover
//!   with the current code, from their snapshot and by journal replay alone.
//! - [`power_cut`]: the real binary on a FUSE filesystem whose power is cut
//!   at chosen moments (snapshot writing, rollover, pruning, journal syncs);
//!   after a restart every acknowledged command is there exactly once.
//! - [`graceful_stop`]: a stop acknowledges what it wrote and closes with
//!   1001; on a failing disk it keeps its bound and fails loudly.
//! - [`export`]: `amphi export` prints a stopped event's results.
//! - [`judging`]: a running pitch timer, scores, ballots, labels and the
//!   published leaderboard survive a restart.
//! - [`uploads`]: project files uploaded while the binary is killed: every
//!   acknowledged one is there, every referenced one on disk, orphans swept.
//! - [`snapshot_cost`]: how long the hub spends cloning the state for a snapshot.
//!
//! [`day`] holds the steps of a day shared by [`restart`] and [`fixtures`].
//! [`acked_load`] is the client of the crash and power-cut tests.
//! [`binary`] drives the real `amphi` executable (crash and start-up tests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use amphi_testkit as common;

mod acked_load;
mod binary;
mod crash;
mod day;
mod export;
mod faults;
mod fixtures;
mod floor;
mod graceful_stop;
mod judging;
mod places;
mod power_cut;
mod restart;
mod snapshot_cost;
mod startup;
mod uploads;

use amphi::config::Config;
use serde_json::Value;
use std::path::Path;

/// The state of the only event in `data_dir`, recovered offline the way
/// `amphi dump` does, as JSON.
pub async fn dump(data_dir: &Path) -> Value {
    let config = Config {
        data_dir: data_dir.to_path_buf(),
        ..Config::default()
    };
    let state = amphi::startup::dump_event(&config, None)
        .await
        .unwrap_or_else(|e| panic!("dump of {}: {e}", data_dir.display()));
    serde_json::to_value(&state).expect("state serializes")
}

/// Removes a test's data directory when dropped (also when the test fails).
pub struct DirGuard(pub std::path::PathBuf);

impl Drop for DirGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A new data directory path owned by the test, removed at the end.
pub fn data_dir() -> DirGuard {
    DirGuard(common::owned_data_dir())
}

/// Copies a directory tree (files and sub-directories).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
