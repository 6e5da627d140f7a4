//! Idempotent resend: a request may carry `once`, a key the client chooses.
//! The hub remembers, per person, the keys of the durable requests it
//! applied (the last [`KEPT_PER_MEMBER`], for [`KEPT_FOR_MS`]), so a client
//! that resends after a dropped connection — not knowing whether its request
//! was applied — gets the answer instead of a second copy.
//!
//! Kept in memory only: a restart forgets the keys. A graceful stop
//! acknowledges everything it wrote before closing, so only a crash can leave
//! an applied request unacknowledged.

use crate::domain::{MemberId, Millis};
use std::collections::{HashMap, VecDeque};

/// Keys remembered per person.
pub const KEPT_PER_MEMBER: usize = 256;
/// How long a key is remembered.
pub const KEPT_FOR_MS: Millis = 15 * 60 * 1000;
/// Longest key accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 64;

/// One applied request: its key and its journal record.
#[derive(Debug)]
struct Applied {
    key: String,
    seq: u64,
    at: Millis,
}

/// The keys of recently applied durable requests, per person.
#[derive(Debug, Default)]
pub(super) struct Resends {
    by_member: HashMap<MemberId, VecDeque<Applied>>,
}

impl Resends {
    /// The journal seq of the request `member` applied with `key`, if it is
    /// still remembered at `now`.
    pub fn find(&mut self, member: MemberId, key: &str, now: Millis) -> Option<u64> {
        let applied = self.by_member.get_mut(&member)?;
        while applied
            .front()
            .is_some_and(|a| now.saturating_sub(a.at) > KEPT_FOR_MS)
        {
            applied.pop_front();
        }
        applied.iter().rev().find(|a| a.key == key).map(|a| a.seq)
    }

    /// Remembers that `member`'s request with `key` became record `seq`.
    pub fn remember(&mut self, member: MemberId, key: String, seq: u64, now: Millis) {
        let applied = self.by_member.entry(member).or_default();
        if applied.len() >= KEPT_PER_MEMBER {
            applied.pop_front();
        }
        applied.push_back(Applied { key, seq, at: now });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_remembered_per_person_for_a_while() {
        let mut resends = Resends::default();
        let (a, b) = (MemberId(1), MemberId(2));
        resends.remember(a, "k1".into(), 7, 1_000);
        assert_eq!(resends.find(a, "k1", 2_000), Some(7));
        assert_eq!(resends.find(b, "k1", 2_000), None);
        assert_eq!(resends.find(a, "k2", 2_000), None);
        assert_eq!(resends.find(a, "k1", 1_000 + KEPT_FOR_MS + 1), None);
        for seq in 0..=KEPT_PER_MEMBER as u64 {
            resends.remember(b, format!("k{seq}"), seq, 5_000);
        }
        assert_eq!(resends.find(b, "k0", 5_000), None, "the oldest is dropped");
        assert_eq!(resends.find(b, "k1", 5_000), Some(1));
    }
}
