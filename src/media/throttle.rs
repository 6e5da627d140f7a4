//! A simulated narrow link from the media server to its peers
//! (`media.test_link_kbps`), for tests and demonstrations of simulcast.
//!
//! Browsers cannot throttle their WebRTC traffic headless (DevTools network
//! emulation leaves UDP alone), so the server plays the bottleneck instead:
//! whatever it sends to a peer beyond the rate is dropped, as a full router
//! queue would drop it. Nothing else is faked: the receiver's browser sees
//! the loss, reports it in its RTCP receiver reports and NACKs, and the
//! layer choice ([`super::layers`]) reacts to those reports as it would to
//! a real link's.

use std::time::Instant;

/// How many seconds of the rate a burst may carry (a router's queue).
const BURST_SECS: f64 = 0.5;

/// A token bucket: `rate` bytes a second, bursts of up to half a second.
#[derive(Debug, Clone)]
pub struct Throttle {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Throttle {
    pub fn new(kbps: u32, now: Instant) -> Throttle {
        let rate = f64::from(kbps) * 1000.0 / 8.0;
        Throttle {
            rate,
            tokens: rate * BURST_SECS,
            last: now,
        }
    }

    /// Whether a datagram of `bytes` fits through the link now.
    pub fn pass(&mut self, bytes: usize, now: Instant) -> bool {
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate * BURST_SECS);
        let size = bytes as f64;
        if self.tokens >= size {
            self.tokens -= size;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_link_passes_its_rate_and_drops_the_rest() {
        let t0 = Instant::now();
        let mut link = Throttle::new(400, t0); // 50,000 bytes a second
        // Ten seconds offered at 1,000 datagrams of 1,000 bytes a second
        // (8 Mbit/s): about the rate passes (plus the first burst).
        let mut passed = 0u64;
        for i in 0..10_000u64 {
            if link.pass(1000, t0 + Duration::from_millis(i)) {
                passed += 1000;
            }
        }
        assert!(
            (500_000..=530_000).contains(&passed),
            "{passed} bytes passed"
        );
        // Under the rate, everything passes.
        let mut link = Throttle::new(400, t0);
        assert!((0..100u64).all(|i| link.pass(400, t0 + Duration::from_millis(10 * i))));
    }
}
