//! When each peer next needs time fed in, ordered by time: a turn of the
//! media loop takes the peers that are due without walking every peer (the
//! loop turns for every datagram; with hundreds of peers a walk per turn
//! cost more than the forwarding it preceded).

use super::PeerId;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::time::Instant;

/// Each peer's next deadline, and the deadlines in order.
#[derive(Debug, Default)]
pub struct Timers {
    at: FxHashMap<PeerId, Instant>,
    queue: BTreeSet<(Instant, PeerId)>,
}

impl Timers {
    /// Sets (or moves) the peer's deadline.
    pub fn set(&mut self, id: PeerId, at: Instant) {
        if let Some(old) = self.at.insert(id, at) {
            if old == at {
                return;
            }
            self.queue.remove(&(old, id));
        }
        self.queue.insert((at, id));
    }

    /// Forgets the peer's deadline.
    pub fn remove(&mut self, id: PeerId) {
        if let Some(old) = self.at.remove(&id) {
            self.queue.remove(&(old, id));
        }
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Instant> {
        self.queue.first().map(|(at, _)| *at)
    }

    /// Takes the peers whose deadline is `now` or earlier (their deadlines
    /// are forgotten: polling them sets the next ones).
    pub fn take_due(&mut self, now: Instant, into: &mut Vec<PeerId>) {
        while let Some(&(at, id)) = self.queue.first() {
            if at > now {
                break;
            }
            self.queue.pop_first();
            self.at.remove(&id);
            into.push(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn due_peers_come_out_in_order_and_moved_deadlines_once() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut timers = Timers::default();
        timers.set(PeerId(1), ms(30));
        timers.set(PeerId(2), ms(10));
        timers.set(PeerId(3), ms(50));
        timers.set(PeerId(1), ms(20));
        timers.remove(PeerId(3));
        assert_eq!(timers.next(), Some(ms(10)));
        let mut due = Vec::new();
        timers.take_due(ms(25), &mut due);
        assert_eq!(due, vec![PeerId(2), PeerId(1)]);
        assert_eq!(timers.next(), None);
    }
}
