//! Avatars on the map: where each connected person stands, in which room,
//! with which status. Ephemeral: rebuilt from scratch after a restart.

use super::ids::{MemberId, Millis};
use crate::venue::{RoomIdx, Tile};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What a person tells others about their availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Available,
    Busy,
    Away,
    DoNotDisturb,
}

/// How many of a walk's last steps a late `walk` may take back.
pub const TRAIL_STEPS: usize = 3;

/// Where a `walk` goes on to: one tile at a time in a direction, while the
/// tiles are walkable and in one room (the client says when it crosses into
/// another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heading {
    pub dx: i8,
    pub dy: i8,
    pub room: RoomIdx,
}

/// One avatar on the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Avatar {
    pub member: MemberId,
    pub tile: Tile,
    pub room: RoomIdx,
    pub status: Status,
    /// `None` while its owner is connected; otherwise when they dropped.
    pub disconnected_at: Option<Millis>,
    /// Remaining steps of a `walk_to` or `walk`, walked by
    /// [`super::Event::advance`].
    pub path: VecDeque<Tile>,
    /// Where a `walk` goes on once `path` is walked.
    pub heading: Option<Heading>,
    /// The tiles the last steps of a walk left, oldest first (at most
    /// [`TRAIL_STEPS`]): a `walk` naming one of them came too late to stop
    /// the steps after it, which are then taken back.
    pub trail: VecDeque<Tile>,
    /// When the next path step is due.
    pub next_walk_step: Millis,
    /// Rate limiter for steps (generic cell rate algorithm): the theoretical
    /// arrival time of the next allowed step.
    pub step_tat: Millis,
    /// Moved since the last position batch was taken.
    pub moved: bool,
}

impl Avatar {
    /// Ends a walk in progress: the avatar stays on its tile.
    pub fn stop_walking(&mut self) {
        self.path.clear();
        self.heading = None;
        self.trail.clear();
    }

    /// Remembers the tile a walk step just left (see [`Avatar::trail`]).
    pub fn remember_walk_step(&mut self, left: Tile) {
        if self.trail.len() == TRAIL_STEPS {
            self.trail.pop_front();
        }
        self.trail.push_back(left);
    }

    /// Whether a `walk_to` or `walk` is in progress.
    pub fn is_walking(&self) -> bool {
        !self.path.is_empty() || self.heading.is_some()
    }
}

/// All avatars of an event, with the population of each room.
#[derive(Debug, Clone, Default)]
pub struct Presence {
    avatars: FxHashMap<MemberId, Avatar>,
    population: Vec<u32>,
    moved: Vec<MemberId>,
}

impl Presence {
    /// An empty map for a venue with `rooms` rooms.
    pub fn new(rooms: usize) -> Presence {
        Presence {
            avatars: FxHashMap::default(),
            population: vec![0; rooms],
            moved: Vec::new(),
        }
    }

    pub fn get(&self, member: MemberId) -> Option<&Avatar> {
        self.avatars.get(&member)
    }

    pub fn get_mut(&mut self, member: MemberId) -> Option<&mut Avatar> {
        self.avatars.get_mut(&member)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Avatar> {
        self.avatars.values()
    }

    pub fn len(&self) -> usize {
        self.avatars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.avatars.is_empty()
    }

    /// People standing in a room now.
    pub fn population(&self, room: RoomIdx) -> u32 {
        self.population
            .get(usize::from(room.0))
            .copied()
            .unwrap_or(0)
    }

    /// Puts a new avatar on the map.
    pub fn place(&mut self, member: MemberId, tile: Tile, room: RoomIdx, now: Millis) {
        if self.avatars.contains_key(&member) {
            self.remove(member);
        }
        self.bump(room, 1);
        self.avatars.insert(
            member,
            Avatar {
                member,
                tile,
                room,
                status: Status::Available,
                disconnected_at: None,
                path: VecDeque::new(),
                heading: None,
                trail: VecDeque::new(),
                next_walk_step: now,
                step_tat: now,
                moved: false,
            },
        );
        self.mark_moved(member);
    }

    /// Moves an avatar to `tile` in `room`, keeping room populations right.
    /// Returns the room it left when the move crossed a room boundary.
    pub fn relocate(&mut self, member: MemberId, tile: Tile, room: RoomIdx) -> Option<RoomIdx> {
        let avatar = self.avatars.get_mut(&member)?;
        let from = avatar.room;
        avatar.tile = tile;
        avatar.room = room;
        if from != room {
            self.bump(from, -1);
            self.bump(room, 1);
        }
        self.mark_moved(member);
        (from != room).then_some(from)
    }

    /// Takes an avatar off the map.
    pub fn remove(&mut self, member: MemberId) -> Option<Avatar> {
        let avatar = self.avatars.remove(&member)?;
        self.bump(avatar.room, -1);
        Some(avatar)
    }

    /// The avatars that moved since the last call, each once.
    pub fn take_moved(&mut self) -> Vec<MemberId> {
        let moved = std::mem::take(&mut self.moved);
        moved
            .into_iter()
            .filter(|id| match self.avatars.get_mut(id) {
                Some(a) if a.moved => {
                    a.moved = false;
                    true
                }
                _ => false,
            })
            .collect()
    }

    fn mark_moved(&mut self, member: MemberId) {
        if let Some(a) = self.avatars.get_mut(&member)
            && !a.moved
        {
            a.moved = true;
            self.moved.push(member);
        }
    }

    fn bump(&mut self, room: RoomIdx, delta: i32) {
        if let Some(count) = self.population.get_mut(usize::from(room.0)) {
            *count = count.saturating_add_signed(delta);
        }
    }
}
