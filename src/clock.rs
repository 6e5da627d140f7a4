//! The server clock, injectable so tests can move time by hand.

use crate::domain::Millis;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where "now" comes from. The hub reads it once per message or tick and
/// hands it to the pure domain.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// Wall-clock time.
    #[default]
    System,
    /// Time set by hand (tests).
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A manual clock starting at `start` ms, and the handle that moves it.
    pub fn manual(start: Millis) -> (Clock, Arc<AtomicU64>) {
        let handle = Arc::new(AtomicU64::new(start));
        (Clock::Manual(handle.clone()), handle)
    }

    /// Milliseconds since the Unix epoch.
    pub fn now(&self) -> Millis {
        match self {
            Clock::System => system_millis(),
            Clock::Manual(t) => t.load(Ordering::Acquire),
        }
    }

    /// Same as [`Clock::now`], with sub-millisecond precision (clock sync).
    pub fn now_precise(&self) -> f64 {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0),
            Clock::Manual(t) => t.load(Ordering::Acquire) as f64,
        }
    }
}

fn system_millis() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}
