//! Reactions during a pitch: a small fixed set of emoji the audience sends,
//! counted per second and shown to everyone watching.
//!
//! Nothing here is durable. [`ReactionTally`] is pure: the hub feeds it
//! each reaction with its sender and the time, and at its tick asks for the
//! second's counts ([`ReactionTally::flush`]), at most once per
//! [`FLUSH_MS`]; one `reactions` frame then goes to every watcher, however
//! many reactions came in. A sender over [`PER_SENDER_PER_SECOND`] in one
//! second has the excess silently dropped (no error: a reaction is not worth
//! a frame back).

use super::ids::Millis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Shortest time between two flushes.
pub const FLUSH_MS: Millis = 1000;
/// Most reactions counted from one sender in one second.
pub const PER_SENDER_PER_SECOND: u32 = 4;

/// One of the fixed reactions: 👏 ❤️ 🔥 😂 🤔.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    Clap,
    Heart,
    Fire,
    Laugh,
    Think,
}

/// The counts of one second, by kind (kinds nobody sent are absent).
pub type Counts = BTreeMap<Reaction, u32>;

/// Reactions counted since the last flush, and each sender's budget.
#[derive(Debug, Default)]
pub struct ReactionTally {
    counts: Counts,
    /// Per sender: the start of its current one-second window and what it
    /// sent in it.
    senders: HashMap<u64, (Millis, u32)>,
    last_flush: Millis,
}

impl ReactionTally {
    /// Counts a reaction from `sender` (a connection), unless the sender
    /// already sent [`PER_SENDER_PER_SECOND`] in its current second.
    /// Returns whether it was counted.
    pub fn add(&mut self, sender: u64, reaction: Reaction, now: Millis) -> bool {
        let window = self.senders.entry(sender).or_insert((now, 0));
        if now.saturating_sub(window.0) >= 1000 {
            *window = (now, 0);
        }
        if window.1 >= PER_SENDER_PER_SECOND {
            return false;
        }
        window.1 += 1;
        *self.counts.entry(reaction).or_insert(0) += 1;
        true
    }

    /// The counts since the last flush, if there are any and at least
    /// [`FLUSH_MS`] passed since then; the tally starts over.
    pub fn flush(&mut self, now: Millis) -> Option<Counts> {
        if self.counts.is_empty() || now.saturating_sub(self.last_flush) < FLUSH_MS {
            return None;
        }
        self.last_flush = now;
        self.senders
            .retain(|_, (start, _)| now.saturating_sub(*start) < 1000);
        Some(std::mem::take(&mut self.counts))
    }

    /// Forgets everything counted (the pitch ended or changed).
    pub fn clear(&mut self) {
        self.counts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flush_sums_every_sender_and_kind_of_the_second() {
        let mut tally = ReactionTally::default();
        for sender in 0..100 {
            assert!(tally.add(sender, Reaction::Clap, 5_000));
            assert!(tally.add(sender, Reaction::Fire, 5_100));
        }
        let counts = tally.flush(5_200).unwrap();
        assert_eq!(counts.get(&Reaction::Clap), Some(&100));
        assert_eq!(counts.get(&Reaction::Fire), Some(&100));
        assert_eq!(counts.get(&Reaction::Heart), None);
    }

    #[test]
    fn at_most_one_flush_per_second_and_none_when_quiet() {
        let mut tally = ReactionTally::default();
        assert_eq!(tally.flush(10_000), None, "nothing to send");
        tally.add(1, Reaction::Heart, 10_000);
        assert!(tally.flush(10_000).is_some());
        tally.add(2, Reaction::Heart, 10_100);
        assert_eq!(tally.flush(10_500), None, "too soon after the last");
        assert_eq!(
            tally.flush(11_000).unwrap().get(&Reaction::Heart),
            Some(&1),
            "kept for the next second"
        );
    }

    #[test]
    fn a_sender_over_its_budget_is_dropped_until_its_second_is_over() {
        let mut tally = ReactionTally::default();
        let counted = (0..10)
            .filter(|_| tally.add(7, Reaction::Laugh, 20_000))
            .count();
        assert_eq!(counted, PER_SENDER_PER_SECOND as usize);
        assert!(tally.add(8, Reaction::Laugh, 20_500), "others unaffected");
        assert!(!tally.add(7, Reaction::Laugh, 20_900));
        assert!(tally.add(7, Reaction::Laugh, 21_000), "a new second");
        let counts = tally.flush(21_000).unwrap();
        assert_eq!(counts.get(&Reaction::Laugh), Some(&6));
    }

    #[test]
    fn reactions_are_named_on_the_wire() {
        let names: Vec<String> = [
            Reaction::Clap,
            Reaction::Heart,
            Reaction::Fire,
            Reaction::Laugh,
            Reaction::Think,
        ]
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect();
        assert_eq!(
            names,
            [
                "\"clap\"",
                "\"heart\"",
                "\"fire\"",
                "\"laugh\"",
                "\"think\""
            ]
        );
        assert!(serde_json::from_str::<Reaction>("\"boo\"").is_err());
    }
}
