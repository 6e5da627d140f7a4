//! The tick: walks paths, expires grace periods, and sends each reader one
//! batch of the positions that changed in its area of interest (see
//! [`super::interest`]), encoded once for all readers of the same area.
//!
//! A reader whose previous batch was still unsent, who just entered a room,
//! or whose area moved gets a full batch of its area instead, also built once
//! per area.

use super::actor::Hub;
use super::interest::{Area, Grid};
use crate::domain::presence::Presence;
use crate::protocol::{Frame, PositionBatch, positions_frame};
use crate::venue::{RoomIdx, Tile};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// An avatar that moved since the last tick.
struct Move {
    id: u32,
    to: Tile,
    /// Where it stood at the last tick, if that was in the same room: readers
    /// of that spot learn that it left their area.
    from: Option<Tile>,
}

impl Move {
    fn concerns(&self, area: &Area) -> bool {
        area.contains(self.to) || self.from.is_some_and(|t| area.contains(t))
    }
}

/// Batches built this tick, one per room and area.
struct Batches<'a> {
    presence: &'a Presence,
    venue: &'a crate::venue::Venue,
    moves: HashMap<RoomIdx, Vec<Move>>,
    now: u64,
    changes: HashMap<(RoomIdx, Area), Option<Frame>>,
    fulls: HashMap<(RoomIdx, Area), Frame>,
}

impl Batches<'_> {
    fn encode(&self, room: RoomIdx, area: Area, full: bool, list: &[[u32; 3]]) -> Frame {
        let batch = PositionBatch {
            room: &self.venue.room(room).id,
            area: area.bounds(),
            full,
            t: self.now,
        };
        positions_frame(batch, list)
    }

    /// What moved in the area, if anything.
    fn changes(&mut self, room: RoomIdx, area: Area) -> Option<Frame> {
        if let Some(frame) = self.changes.get(&(room, area)) {
            return frame.clone();
        }
        let list: Vec<[u32; 3]> = self
            .moves
            .get(&room)
            .into_iter()
            .flatten()
            .filter(|m| m.concerns(&area))
            .map(|m| [m.id, u32::from(m.to.x), u32::from(m.to.y)])
            .collect();
        let frame = (!list.is_empty()).then(|| self.encode(room, area, false, &list));
        self.changes.insert((room, area), frame.clone());
        frame
    }

    /// Every avatar in the area.
    fn full(&mut self, room: RoomIdx, area: Area) -> Frame {
        if let Some(frame) = self.fulls.get(&(room, area)) {
            return frame.clone();
        }
        let list: Vec<[u32; 3]> = self
            .presence
            .iter()
            .filter(|a| a.room == room && area.contains(a.tile))
            .map(|a| [a.member.0, u32::from(a.tile.x), u32::from(a.tile.y)])
            .collect();
        let frame = self.encode(room, area, true, &list);
        self.fulls.insert((room, area), frame.clone());
        frame
    }
}

impl Hub {
    pub(super) fn tick(&mut self) {
        let started = Instant::now();
        let now = self.now();
        let effects = self.event.advance(now);
        self.route(effects);

        let moves = self.take_moves();
        let grid = Grid::new(self.settings.interest_cell_tiles);
        let presence = self.event.presence();
        let venue = self.event.venue();
        let mut batches = Batches {
            presence,
            venue,
            moves,
            now,
            changes: HashMap::new(),
            fulls: HashMap::new(),
        };
        let mut coalesced = 0;
        let mut sent = 0;
        for session in self.sessions.values() {
            let Some(me) = presence.get(session.member) else {
                continue;
            };
            let room = me.room;
            let area = grid.area(me.tile, session.view.get(), venue.room(room).rect);
            let area_moved = session.area.replace(Some((room, area))) != Some((room, area));
            let stale = session.link.shared().take_stale();
            let frame = if stale || area_moved {
                batches.full(room, area)
            } else {
                match batches.changes(room, area) {
                    Some(frame) => frame,
                    None => continue,
                }
            };
            sent += 1;
            if session.link.offer_positions(frame) {
                coalesced += 1;
            }
        }
        self.metrics.messages_out("positions", sent);
        self.metrics
            .positions_coalesced
            .fetch_add(coalesced, Ordering::Relaxed);
        self.metrics.observe_tick(started.elapsed().as_secs_f64());
    }

    /// The avatars that moved since the last tick, by room, each with where
    /// it stood before.
    fn take_moves(&mut self) -> HashMap<RoomIdx, Vec<Move>> {
        let moved = self.event.take_moved();
        let presence = self.event.presence();
        let mut moves: HashMap<RoomIdx, Vec<Move>> = HashMap::new();
        for id in moved {
            let Some(a) = presence.get(id) else {
                self.last_tiles.remove(&id);
                continue;
            };
            let before = self.last_tiles.insert(id, (a.room, a.tile));
            moves.entry(a.room).or_default().push(Move {
                id: id.0,
                to: a.tile,
                from: before.filter(|(room, _)| *room == a.room).map(|(_, t)| t),
            });
        }
        moves
    }
}
