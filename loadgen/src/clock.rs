//! One clock for the whole run: microseconds since the Unix epoch, read from a
//! monotonic `Instant` anchored once at start, so that timestamps put in
//! payloads and receive times can be subtracted without wall-clock jumps.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

struct Anchor {
    instant: Instant,
    epoch_us: u64,
}

fn anchor() -> &'static Anchor {
    static ANCHOR: OnceLock<Anchor> = OnceLock::new();
    ANCHOR.get_or_init(|| Anchor {
        instant: Instant::now(),
        epoch_us: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0),
    })
}

/// Now, in microseconds since the Unix epoch (monotonic within the run).
pub fn now_us() -> u64 {
    let a = anchor();
    a.epoch_us + a.instant.elapsed().as_micros() as u64
}

/// Converts wall-clock times (µs since the Unix epoch, CLOCK_REALTIME: the
/// kernel's receive timestamps) to the base of [`now_us`]: both clocks are
/// read once, when it is made, and their difference applied, so a wall
/// clock stepped or slewed since the anchor does not skew the figures. Made
/// once per batch of datagrams, not once per datagram.
#[derive(Debug, Clone, Copy)]
pub struct FromRealtime {
    /// [`now_us`] and the wall clock, read one after the other.
    ours_now: u64,
    wall_now: u64,
}

impl FromRealtime {
    /// Reads both clocks now.
    pub fn now() -> FromRealtime {
        let wall_now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        FromRealtime {
            ours_now: now_us(),
            wall_now,
        }
    }

    /// `realtime_us` on [`now_us`]'s base.
    pub fn convert(self, realtime_us: u64) -> u64 {
        // ours = realtime + (ours_now - wall_now), without going negative.
        (realtime_us + self.ours_now).saturating_sub(self.wall_now)
    }
}

/// The `Instant` at which [`now_us`] will read `us` (for `sleep_until`).
pub fn instant_at(us: u64) -> tokio::time::Instant {
    let a = anchor();
    let instant = if us >= a.epoch_us {
        a.instant + Duration::from_micros(us - a.epoch_us)
    } else {
        a.instant
    };
    tokio::time::Instant::from_std(instant)
}

/// Sleeps until [`now_us`] reads `us`.
pub async fn sleep_until_us(us: u64) {
    tokio::time::sleep_until(instant_at(us)).await;
}
