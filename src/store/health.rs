//! Shared health of one event's store, read by `/healthz` and `/metrics`.
//!
//! The writer and snapshot threads update it; the hub and the HTTP handlers
//! only read it. Plain atomics: reading health never waits on a disk.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Health of one event's store. Get it with [`super::Journal::health`].
#[derive(Debug)]
pub struct StoreHealth {
    healthy: AtomicBool,
    errors: AtomicU64,
    snapshot_errors: AtomicU64,
    durable_seq: AtomicU64,
    snapshot_seq: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Default for StoreHealth {
    fn default() -> Self {
        StoreHealth {
            healthy: AtomicBool::new(true),
            errors: AtomicU64::new(0),
            snapshot_errors: AtomicU64::new(0),
            durable_seq: AtomicU64::new(0),
            snapshot_seq: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }
}

impl StoreHealth {
    /// False while journal writes fail: new durable commands must be refused
    /// (they could not be acknowledged). Turns true again by itself once a
    /// retry succeeds.
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
    }

    /// Failed journal write attempts since start (each retry counts).
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Failed snapshot writes since start. A failed snapshot loses nothing
    /// (the journal still holds every record), so it does not make the store
    /// unhealthy; it is retried at the next request.
    pub fn snapshot_errors(&self) -> u64 {
        self.snapshot_errors.load(Ordering::Relaxed)
    }

    /// Highest sequence number known to be on disk.
    pub fn durable_seq(&self) -> u64 {
        self.durable_seq.load(Ordering::Acquire)
    }

    /// `covers_seq` of the newest snapshot written (0: none yet).
    pub fn snapshot_seq(&self) -> u64 {
        self.snapshot_seq.load(Ordering::Relaxed)
    }

    /// The last write error, for `/healthz` and logs.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    pub(crate) fn write_failed(&self, error: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(error);
        }
        self.healthy.store(false, Ordering::Release);
    }

    /// Returns whether the store was unhealthy before.
    pub(crate) fn write_succeeded(&self, durable_seq: u64) -> bool {
        self.durable_seq.store(durable_seq, Ordering::Release);
        !self.healthy.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn set_durable(&self, durable_seq: u64) {
        self.durable_seq.store(durable_seq, Ordering::Release);
    }

    pub(crate) fn snapshot_failed(&self, error: String) {
        self.snapshot_errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(error);
        }
    }

    pub(crate) fn snapshot_written(&self, covers_seq: u64) {
        self.snapshot_seq.store(covers_seq, Ordering::Relaxed);
    }
}
