//! Integration tests of the venue hub (issue 2), through the real server:
//! a [`common::TestServer`] on a free port and typed WebSocket clients.
//!
//! One test binary, one module per feature:
//! - [`join`]: hello, welcome and every refusal of a hello.
//! - [`movement`]: steps, walls, speed, access, rooms, teleport, walk_to, status.
//! - [`chat`]: every scope and who may read it; history on join.
//! - [`reconnect`]: resuming within and after the grace period.
//! - [`bad_input`]: malformed and hostile frames.
//! - [`slow_client`]: a client that stops reading is cut off; others miss nothing.
//! - [`media`]: voice and video signalling, conversations.
//! - [`live_media`]: watchers receiving the stage, and their refusals.
//! - [`http`]: health, metrics, security headers, origin check, clock sync.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use amphi_testkit as common;

mod bad_input;
mod chat;
mod http;
mod interest;
mod join;
mod live_media;
mod media;
mod movement;
mod reconnect;
mod slow_client;

use amphi::domain::Role;
use amphi::venue::{Tile, Venue};
use std::collections::{HashSet, VecDeque};

/// The embedded default venue, the map every test server uses.
pub fn venue() -> Venue {
    Venue::default_venue().expect("the default venue loads")
}

/// The four step directions.
pub const DIRECTIONS: [(i64, i64); 4] = [(1, 0), (-1, 0), (0, 1), (0, -1)];

/// The tile one step away, if inside the map.
pub fn neighbour(v: &Venue, t: Tile, (dx, dy): (i64, i64)) -> Option<Tile> {
    v.tile(i64::from(t.x) + dx, i64::from(t.y) + dy)
}

/// Whether someone of `role` could stand on `t`.
pub fn standable(v: &Venue, t: Tile, role: Role) -> bool {
    v.is_walkable(t) && v.room_at(t).is_some() && v.admits(t, role)
}

/// The nearest tile (by walking distance from `from`, for `role`) that
/// satisfies `goal`. Breadth-first over the tiles the role may stand on.
pub fn nearest(v: &Venue, from: Tile, role: Role, goal: impl Fn(Tile) -> bool) -> Tile {
    let mut seen = HashSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(t) = queue.pop_front() {
        if goal(t) {
            return t;
        }
        for d in DIRECTIONS {
            if let Some(n) = neighbour(v, t, d)
                && standable(v, n, role)
                && seen.insert(n)
            {
                queue.push_back(n);
            }
        }
    }
    panic!("no tile reachable from {from:?} satisfies the goal");
}

/// A direction from `t` to a standable tile of the same room.
pub fn free_step(v: &Venue, t: Tile, role: Role) -> (i64, i64) {
    DIRECTIONS
        .into_iter()
        .find(|d| {
            neighbour(v, t, *d)
                .is_some_and(|n| standable(v, n, role) && v.room_at(n) == v.room_at(t))
        })
        .unwrap_or_else(|| panic!("no free step from {t:?}"))
}
