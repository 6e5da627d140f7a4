//! The tick: walks paths, expires grace periods, and sends each reader one
//! batch of the positions that changed in its area of interest (see
//! [`super::interest`]), encoded once for all readers of the same area.
//!
//! Readers are split into `tick_phases` groups served one after the other:
//! with 10 batches a second and 4 phases, a tick runs every 25 ms and serves
//! a quarter of the readers, each with what moved since its own previous
//! batch. Every reader still gets a batch every 100 ms, and the writes of a
//! tick come in four small bursts instead of one large one.
//!
//! The tick writes a batch to the reader's socket itself when nothing else
//! waits there (see [`super::link`]), so most readers' tasks are not woken
//! by it.
//!
//! A reader whose previous batch was still unsent, who just entered a room,
//! or whose area moved gets a full batch of its area instead, also built once
//! per area. Answers to its `step` requests go out just before its batch, so
//! the connection writes both at once.

use super::actor::Hub;
use super::interest::{Area, Cell, Grid};
use super::routing::delivered;
use super::sessions::Session;
use crate::domain::MemberId;
use crate::domain::presence::Presence;
use crate::protocol::{
    Frame, POSITIONS, PositionBatch, positions_frame, positions_frame_of_parts, push_position,
};
use crate::venue::{RoomIdx, Tile};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// One group of readers: who moved since its last batch, and where they
/// stood then.
#[derive(Debug, Default)]
pub(super) struct Phase {
    moved: HashSet<MemberId>,
    last_tiles: HashMap<MemberId, (RoomIdx, Tile)>,
}

/// An avatar that crossed a cell line since the group's last batch.
struct Crossing {
    id: u32,
    to: Tile,
    /// Where it stood at the group's last batch, in the same room.
    from: Tile,
}

/// What moved in one room since the group's last batch.
#[derive(Default)]
struct RoomMoves {
    /// Encoded `[id,x,y]` entries of the movers, by the cell they stand in
    /// now: each entry is encoded once, whatever the number of areas.
    by_cell: HashMap<Cell, String>,
    /// Movers that changed cell: readers of the spot they left hear that they
    /// left (their new position lies outside those readers' area).
    crossings: Vec<Crossing>,
}

/// Batches built this tick, one per room and area.
struct Batches<'a> {
    presence: &'a Presence,
    venue: &'a crate::venue::Venue,
    grid: Grid,
    moves: HashMap<RoomIdx, RoomMoves>,
    now: u64,
    changes: HashMap<(RoomIdx, Area), Option<Frame>>,
    fulls: HashMap<(RoomIdx, Area), Frame>,
}

impl Batches<'_> {
    fn batch(&self, room: RoomIdx, area: Area, full: bool) -> PositionBatch<'_> {
        PositionBatch {
            room: &self.venue.room(room).id,
            area: area.bounds(),
            full,
            t: self.now,
        }
    }

    /// What moved in the area, if anything.
    fn changes(&mut self, room: RoomIdx, area: Area) -> Option<Frame> {
        if let Some(frame) = self.changes.get(&(room, area)) {
            return frame.clone();
        }
        let frame = self.moves.get(&room).and_then(|moves| {
            let mut left = String::new();
            for m in &moves.crossings {
                if area.contains(m.from) && !area.contains(m.to) {
                    push_position(&mut left, [m.id, u32::from(m.to.x), u32::from(m.to.y)]);
                }
            }
            let parts: Vec<&str> = self
                .grid
                .cells_of(area)
                .filter_map(|cell| moves.by_cell.get(&cell).map(String::as_str))
                .chain([left.as_str()])
                .filter(|part| !part.is_empty())
                .collect();
            (!parts.is_empty())
                .then(|| positions_frame_of_parts(self.batch(room, area, false), parts))
        });
        self.changes.insert((room, area), frame.clone());
        frame
    }

    /// The batch a reader is due, if any: a full one when its area moved or
    /// it missed batches, else what changed in its area.
    fn for_reader(&mut self, session: &mut Session) -> Option<Frame> {
        let me = self.presence.get(session.member)?;
        let room = me.room;
        let view = session.view;
        let before = session.area;
        let previous = before.and_then(|(r, area, _)| (r == room).then_some(area));
        let kept = before.and_then(|(r, area, v)| (r == room && v == view).then_some(area));
        let area = self
            .grid
            .next_area(kept, me.tile, view, self.venue.room(room).rect);
        session.area = Some((room, area, view));
        let stale = session.link.shared().take_stale();
        if stale || previous != Some(area) {
            Some(self.full(room, area))
        } else {
            self.changes(room, area)
        }
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
        let frame = positions_frame(self.batch(room, area, true), &list);
        self.fulls.insert((room, area), frame.clone());
        frame
    }
}

impl Hub {
    pub(super) fn tick(&mut self) {
        let started = Instant::now();
        let now = self.now();
        let effects = self.durable.ephemeral(|e| e.advance(now));
        self.route(effects);
        let (phase, groups) = self.sessions.next_phase();
        if phase == 0 {
            self.flush_presence_changes();
            self.floor_tick();
            self.update_conversations(now);
            self.flush_reactions();
        }
        let moved = self.durable.ephemeral(|e| e.take_moved());
        for group in self.sessions.phases_mut() {
            group.moved.extend(moved.iter().copied());
        }
        let grid = Grid::new(self.settings.interest_cell_tiles);
        let moves = self.take_moves(grid, phase);
        let presence = self.durable.event().presence();
        let venue = self.durable.event().venue();
        let mut batches = Batches {
            presence,
            venue,
            grid,
            moves,
            now,
            changes: HashMap::default(),
            fulls: HashMap::default(),
        };
        let mut coalesced = 0;
        let mut sent = 0;
        let metrics = &self.metrics;
        for session in self.sessions.readers_mut(phase, groups) {
            let replies = std::mem::take(&mut session.held);
            let Some(frame) = batches.for_reader(session) else {
                for reply in replies {
                    if delivered(metrics, session, session.link.send(reply.frame)) {
                        metrics.messages_out(reply.kind, 1);
                    }
                }
                continue;
            };
            sent += 1;
            // Answers to steps go first, in the same write as the batch:
            // the hub's own when the connection has nothing waiting (its
            // task is not woken), else the connection's, woken once.
            let before = replies.iter().map(|reply| &reply.frame);
            if session.link.write_positions(before, &frame) {
                for reply in &replies {
                    metrics.messages_out(reply.kind, 1);
                }
                continue;
            }
            for reply in replies {
                let delivery = session.link.send_before_positions(reply.frame);
                if delivered(metrics, session, delivery) {
                    metrics.messages_out(reply.kind, 1);
                }
            }
            if session.link.offer_positions(frame) {
                coalesced += 1;
            }
        }
        self.metrics.messages_out(POSITIONS, sent);
        self.metrics
            .positions_coalesced
            .fetch_add(coalesced, Ordering::Relaxed);
        self.metrics.observe_tick(started.elapsed().as_secs_f64());
    }

    /// The avatars that moved since the group's last batch, by room and cell.
    fn take_moves(&mut self, grid: Grid, phase: usize) -> HashMap<RoomIdx, RoomMoves> {
        let presence = self.durable.event().presence();
        let mut moves: HashMap<RoomIdx, RoomMoves> = HashMap::default();
        let Some(group) = self.sessions.phases_mut().get_mut(phase) else {
            return moves;
        };
        for id in std::mem::take(&mut group.moved) {
            let Some(a) = presence.get(id) else {
                group.last_tiles.remove(&id);
                continue;
            };
            let before = group.last_tiles.insert(id, (a.room, a.tile));
            let from = before.filter(|(room, _)| *room == a.room).map(|(_, t)| t);
            let room = moves.entry(a.room).or_default();
            let cell = grid.cell_of(a.tile);
            let entry = [id.0, u32::from(a.tile.x), u32::from(a.tile.y)];
            push_position(room.by_cell.entry(cell).or_default(), entry);
            if let Some(from) = from.filter(|t| grid.cell_of(*t) != cell) {
                room.crossings.push(Crossing {
                    id: id.0,
                    to: a.tile,
                    from,
                });
            }
        }
        moves
    }
}
