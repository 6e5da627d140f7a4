//! Injected write failures, so tests can fill the disk without root tricks.
//!
//! A [`FaultInjector`] is shared between a test and the store (through
//! [`super::StoreOptions::faults`]). While it is armed, journal and snapshot
//! writes fail with the chosen OS error, exactly where a real full disk or a
//! revoked permission would make them fail.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

const OFF: u8 = 0;
const WRITE: u8 = 1;
const SYNC: u8 = 2;

/// What an armed injector breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Writes put half their bytes on disk, then fail with `StorageFull`
    /// (a disk filling up in the middle of a group).
    Write,
    /// Writes succeed but `fsync` fails (as after a device I/O error): the
    /// data written must not be reported durable.
    Sync,
}

/// A switch that makes the store's writes fail. Cheap to clone; clones share
/// the switch.
#[derive(Debug, Clone, Default)]
pub struct FaultInjector {
    mode: Arc<AtomicU8>,
}

impl FaultInjector {
    /// A disarmed injector.
    pub fn new() -> FaultInjector {
        FaultInjector::default()
    }

    /// From now on, make writes fail as `fault` says.
    pub fn arm(&self, fault: Fault) {
        let mode = match fault {
            Fault::Write => WRITE,
            Fault::Sync => SYNC,
        };
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// The "disk" works again.
    pub fn heal(&self) {
        self.mode.store(OFF, Ordering::SeqCst);
    }

    /// How many of `len` bytes a write may put on disk before failing, or
    /// `None` to write them all.
    pub(crate) fn write_limit(&self, len: usize) -> Option<usize> {
        (self.mode.load(Ordering::SeqCst) == WRITE).then_some(len / 2)
    }

    /// The error a sync fails with, if armed.
    pub(crate) fn sync_error(&self) -> Option<io::Error> {
        match self.mode.load(Ordering::SeqCst) {
            SYNC => Some(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "injected fault: fsync failed",
            )),
            _ => None,
        }
    }
}

/// Writes `bytes` to `out`, unless `faults` says this write fails (then it
/// writes part of them, like a disk filling up, and returns `StorageFull`).
pub(crate) fn write_all(
    out: &mut impl io::Write,
    bytes: &[u8],
    faults: Option<&FaultInjector>,
) -> io::Result<()> {
    if let Some(limit) = faults.and_then(|f| f.write_limit(bytes.len())) {
        out.write_all(&bytes[..limit])?;
        return Err(io::Error::new(
            io::ErrorKind::StorageFull,
            "injected fault: no space left on device",
        ));
    }
    out.write_all(bytes)
}

/// `fsync`s `file` (data only, or data and metadata), unless `faults` says it fails.
pub(crate) fn sync(
    file: &std::fs::File,
    data_only: bool,
    faults: Option<&FaultInjector>,
) -> io::Result<()> {
    if let Some(err) = faults.and_then(FaultInjector::sync_error) {
        return Err(err);
    }
    if data_only {
        file.sync_data()
    } else {
        file.sync_all()
    }
}
