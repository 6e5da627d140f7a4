//! Per-connection rate limits: one token bucket per kind of request, and a
//! flood detector that closes connections which keep going over.
//!
//! Buckets use the generic cell rate algorithm (one timestamp per bucket), so
//! checking a message costs a few arithmetic operations and no allocation.

use serde::Deserialize;
use std::time::Instant;

/// A rate and the burst allowed on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Sustained messages per second.
    pub per_second: f64,
    /// Messages that may arrive at once after a quiet spell.
    pub burst: u32,
}

/// The rate limits of one connection, per kind of request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// Steps, walks, teleports.
    pub moves: Budget,
    /// Chat messages.
    pub chat: Budget,
    /// Everything else (including pings).
    pub other: Budget,
    /// Refusals within `flood_window_secs` after which the connection is
    /// closed as a flood (code 4029).
    pub flood_refusals: u32,
    pub flood_window_secs: u64,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            // Above the avatar speed limit, so honest key repeat never trips it.
            moves: Budget {
                per_second: 30.0,
                burst: 30,
            },
            chat: Budget {
                per_second: 3.0,
                burst: 10,
            },
            other: Budget {
                per_second: 20.0,
                burst: 40,
            },
            flood_refusals: 100,
            flood_window_secs: 10,
        }
    }
}

/// Which budget a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Move,
    Chat,
    Other,
}

/// The verdict on one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the budget: refuse with `rate_limited`.
    Limited,
    /// Over the budget for too long: close the connection.
    Flood,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    interval_secs: f64,
    tolerance_secs: f64,
    /// Theoretical arrival time of the next conforming message, in seconds
    /// since the limiter was created.
    tat: f64,
}

impl Bucket {
    fn new(budget: Budget) -> Bucket {
        let interval_secs = 1.0 / budget.per_second.max(0.001);
        Bucket {
            interval_secs,
            tolerance_secs: interval_secs * f64::from(budget.burst.saturating_sub(1)),
            tat: 0.0,
        }
    }

    fn take(&mut self, now: f64) -> bool {
        if now + self.tolerance_secs < self.tat {
            return false;
        }
        self.tat = self.tat.max(now) + self.interval_secs;
        true
    }
}

/// One connection's limiter.
#[derive(Debug, Clone)]
pub struct Limiter {
    start: Instant,
    moves: Bucket,
    chat: Bucket,
    other: Bucket,
    flood_refusals: u32,
    flood_window_secs: f64,
    window_start: f64,
    refusals: u32,
}

impl Limiter {
    pub fn new(limits: &RateLimits) -> Limiter {
        Limiter {
            start: Instant::now(),
            moves: Bucket::new(limits.moves),
            chat: Bucket::new(limits.chat),
            other: Bucket::new(limits.other),
            flood_refusals: limits.flood_refusals.max(1),
            flood_window_secs: limits.flood_window_secs.max(1) as f64,
            window_start: 0.0,
            refusals: 0,
        }
    }

    /// Checks one message of `kind` arriving now.
    pub fn check(&mut self, kind: Kind) -> Verdict {
        let now = self.start.elapsed().as_secs_f64();
        self.check_at(kind, now)
    }

    fn check_at(&mut self, kind: Kind, now: f64) -> Verdict {
        let bucket = match kind {
            Kind::Move => &mut self.moves,
            Kind::Chat => &mut self.chat,
            Kind::Other => &mut self.other,
        };
        if bucket.take(now) {
            return Verdict::Allowed;
        }
        if now - self.window_start > self.flood_window_secs {
            self.window_start = now;
            self.refusals = 0;
        }
        self.refusals += 1;
        if self.refusals >= self.flood_refusals {
            Verdict::Flood
        } else {
            Verdict::Limited
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_second: f64, burst: u32) -> RateLimits {
        let budget = Budget { per_second, burst };
        RateLimits {
            moves: budget,
            chat: budget,
            other: budget,
            flood_refusals: 5,
            flood_window_secs: 10,
        }
    }

    #[test]
    fn allows_the_burst_then_the_rate() {
        let mut l = Limiter::new(&limits(2.0, 3));
        assert_eq!(
            [
                l.check_at(Kind::Chat, 0.0),
                l.check_at(Kind::Chat, 0.0),
                l.check_at(Kind::Chat, 0.0)
            ],
            [Verdict::Allowed; 3]
        );
        assert_eq!(l.check_at(Kind::Chat, 0.0), Verdict::Limited);
        assert_eq!(l.check_at(Kind::Chat, 0.5), Verdict::Allowed);
        assert_eq!(l.check_at(Kind::Chat, 0.5), Verdict::Limited);
    }

    #[test]
    fn budgets_are_independent() {
        let mut l = Limiter::new(&limits(1.0, 1));
        assert_eq!(l.check_at(Kind::Chat, 0.0), Verdict::Allowed);
        assert_eq!(l.check_at(Kind::Chat, 0.0), Verdict::Limited);
        assert_eq!(l.check_at(Kind::Move, 0.0), Verdict::Allowed);
        assert_eq!(l.check_at(Kind::Other, 0.0), Verdict::Allowed);
    }

    #[test]
    fn sustained_abuse_is_a_flood_but_refusals_age_out() {
        let mut l = Limiter::new(&limits(1.0, 1));
        l.check_at(Kind::Chat, 0.0);
        let verdicts: Vec<Verdict> = (0..5).map(|_| l.check_at(Kind::Chat, 0.1)).collect();
        assert_eq!(verdicts[..4], [Verdict::Limited; 4]);
        assert_eq!(verdicts[4], Verdict::Flood);
        let mut l = Limiter::new(&limits(1.0, 1));
        l.check_at(Kind::Chat, 0.0);
        for _ in 0..4 {
            l.check_at(Kind::Chat, 0.1);
        }
        // A new window starts after 10 s: the count begins again.
        assert_eq!(l.check_at(Kind::Chat, 11.0), Verdict::Allowed);
        assert_eq!(l.check_at(Kind::Chat, 11.0), Verdict::Limited);
    }
}
