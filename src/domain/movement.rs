//! Server-authoritative movement: steps, walks along a path (and the ticks
//! that walk them, see also [`super::walking`]), teleports and spawn
//! points. Walls, speed, room access and room capacity are enforced here; a
//! refused move leaves the avatar where it was.

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis};
use super::presence::Heading;
use super::role::Role;
use super::walking::ahead;
use crate::venue::{RoomIdx, Tile};

impl Event {
    /// Milliseconds between two steps at the configured speed.
    pub(super) fn step_interval(&self) -> Millis {
        1000 / Millis::from(self.limits.steps_per_second.max(1))
    }

    /// Refuses entering `to` from `from` when the role may not, or it is full.
    pub(super) fn check_entry(
        &self,
        role: Role,
        from: Option<RoomIdx>,
        to: RoomIdx,
    ) -> Result<(), DomainError> {
        if from == Some(to) {
            return Ok(());
        }
        let room = self.venue.room(to);
        if !room.roles.contains(role) {
            let allowed = room
                .roles
                .iter()
                .map(Role::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(DomainError::RoomForbidden {
                room: room.id.clone(),
                allowed,
            });
        }
        // Staff (moderator, mentors) may always come in: a mentor must be
        // able to reach a full team's table.
        let staff = matches!(role, Role::Moderator | Role::Mentor);
        if let Some(capacity) = room.capacity
            && !staff
            && self.presence.population(to) >= capacity
        {
            return Err(DomainError::RoomFull {
                room: room.id.clone(),
                capacity,
            });
        }
        Ok(())
    }

    /// The tile at `(x, y)` and its room, if `member` may stand there (the
    /// map's bounds, walls, rooms and the stage), or why not.
    pub(super) fn tile_to_stand_on(
        &self,
        member: MemberId,
        x: i64,
        y: i64,
    ) -> Result<(Tile, RoomIdx), DomainError> {
        let tile = self
            .venue
            .tile(x, y)
            .ok_or(DomainError::OutOfBounds { x, y })?;
        let room = self.standable(tile)?;
        if !self.may_stand_on_stage(member, tile) {
            return Err(DomainError::StageReserved);
        }
        Ok((tile, room))
    }

    /// A path from `from` (in `from_room`) to `to` through rooms `role` may
    /// enter, within `max_path_steps`. Capacity is checked step by step while
    /// walking, not when planning.
    pub(super) fn plan_path(
        &self,
        role: Role,
        from: Tile,
        from_room: RoomIdx,
        to: Tile,
    ) -> Result<Vec<Tile>, DomainError> {
        let may_enter =
            |room: RoomIdx| room == from_room || self.venue.room(room).roles.contains(role);
        self.venue
            .find_path(from, to, &may_enter)
            .filter(|p| p.len() <= self.limits.max_path_steps)
            .ok_or(DomainError::NoPath { x: to.x, y: to.y })
    }

    /// The room of a tile someone could stand on, or why not.
    pub(super) fn standable(&self, tile: Tile) -> Result<RoomIdx, DomainError> {
        if !self.venue.is_walkable(tile) {
            return Err(DomainError::Blocked {
                x: tile.x,
                y: tile.y,
            });
        }
        self.venue.room_at(tile).ok_or(DomainError::Blocked {
            x: tile.x,
            y: tile.y,
        })
    }

    fn role_of(&self, member: MemberId) -> Result<Role, DomainError> {
        Ok(self
            .member(member)
            .ok_or(DomainError::UnknownMember(member.0))?
            .role)
    }

    /// Moves the avatar one tile and reports a room change.
    pub(super) fn move_avatar(
        &mut self,
        member: MemberId,
        tile: Tile,
        room: RoomIdx,
    ) -> Vec<Effect> {
        match self.presence.relocate(member, tile, room) {
            Some(from) => vec![Effect::RoomChanged {
                member,
                from,
                to: room,
            }],
            None => vec![],
        }
    }

    pub(super) fn step(
        &mut self,
        member: MemberId,
        role: Role,
        dx: i64,
        dy: i64,
        now: Millis,
    ) -> Result<Vec<Effect>, DomainError> {
        unit_direction(dx, dy)?;
        let avatar = self.presence.get(member).ok_or(DomainError::NoAvatar)?;
        let (from_tile, from_room) = (avatar.tile, avatar.room);
        let (x, y) = (i64::from(from_tile.x) + dx, i64::from(from_tile.y) + dy);
        let (tile, room) = self.tile_to_stand_on(member, x, y)?;
        self.check_entry(role, Some(from_room), room)?;
        let interval = self.step_interval();
        let tolerance = interval * Millis::from(self.limits.step_burst.saturating_sub(1));
        let tat = avatar.step_tat;
        if now + tolerance < tat {
            return Err(DomainError::TooFast {
                per_second: self.limits.steps_per_second,
            });
        }
        if let Some(avatar) = self.presence.get_mut(member) {
            avatar.step_tat = tat.max(now) + interval;
            avatar.stop_walking();
        }
        Ok(self.move_avatar(member, tile, room))
    }

    pub(super) fn walk_to(
        &mut self,
        member: MemberId,
        role: Role,
        x: i64,
        y: i64,
        now: Millis,
    ) -> Result<Vec<Effect>, DomainError> {
        let (target, target_room) = self.tile_to_stand_on(member, x, y)?;
        let avatar = self.presence.get(member).ok_or(DomainError::NoAvatar)?;
        let (from_tile, from_room) = (avatar.tile, avatar.room);
        self.check_entry(role, Some(from_room), target_room)?;
        // Someone stands (or is heading) there: stop beside them instead.
        let target = self.free_tile_near(member, target, target_room);
        let path = self.plan_path(role, from_tile, from_room, target)?;
        self.start_walk(member, path, None, now);
        Ok(vec![])
    }

    /// Replaces the avatar's walk with `path`, then `heading`; its first step
    /// is due now unless the previous one was too recent.
    pub(super) fn start_walk(
        &mut self,
        member: MemberId,
        path: Vec<Tile>,
        heading: Option<Heading>,
        now: Millis,
    ) {
        if let Some(avatar) = self.presence.get_mut(member) {
            avatar.path = path.into();
            avatar.heading = heading;
            avatar.next_walk_step = avatar.next_walk_step.max(now);
        }
    }

    pub(super) fn teleport(
        &mut self,
        member: MemberId,
        role: Role,
        room_id: &str,
    ) -> Result<Vec<Effect>, DomainError> {
        let room = self
            .venue
            .room_by_id(room_id)
            .ok_or_else(|| DomainError::UnknownRoom(room_id.to_string()))?;
        let avatar = self.presence.get(member).ok_or(DomainError::NoAvatar)?;
        self.check_entry(role, Some(avatar.room), room)?;
        let tiles: Vec<Tile> = self
            .venue
            .entry_tiles(room)
            .filter(|t| self.may_stand_on_stage(member, *t))
            .collect();
        if tiles.is_empty() {
            return Err(DomainError::UnknownRoom(room_id.to_string()));
        }
        // Spread arrivals over the room's tiles, never onto someone.
        let wanted = tiles[self.presence.population(room) as usize % tiles.len()];
        let tile = self.free_tile_near(member, wanted, room);
        if let Some(avatar) = self.presence.get_mut(member) {
            avatar.stop_walking();
        }
        Ok(self.move_avatar(member, tile, room))
    }

    /// Advances every walking avatar by the steps due at `now`. A step that has
    /// become impossible (room filled up, access changed) stops the walk.
    pub(super) fn advance_walks(&mut self, now: Millis) -> Vec<Effect> {
        let interval = self.step_interval();
        // Steps a late tick (a busy server) missed are caught up, up to the
        // burst a `step` may take; a client that predicts its avatar would
        // otherwise stay that far ahead of the server for the whole walk.
        let catch_up = interval * Millis::from(self.limits.step_burst.saturating_sub(1));
        let walkers: Vec<MemberId> = self
            .presence
            .iter()
            .filter(|a| a.is_walking() && a.next_walk_step <= now)
            .map(|a| a.member)
            .collect();
        let mut effects = Vec::new();
        for member in walkers {
            while let Some((next, from, from_room)) = self.due_step(member, now, interval, catch_up)
            {
                // The role matters only at a room's door: most steps stay in
                // their room, and need no look-up of the member.
                let entry = self
                    .standable(next)
                    .and_then(|room| {
                        if room != from_room {
                            self.check_entry(self.role_of(member)?, Some(from_room), room)?;
                        }
                        Ok(room)
                    })
                    .and_then(|room| {
                        if self.may_stand_on_stage(member, next) {
                            Ok(room)
                        } else {
                            Err(DomainError::StageReserved)
                        }
                    });
                match entry {
                    Ok(room) => {
                        effects.extend(self.move_avatar(member, next, room));
                        if let Some(avatar) = self.presence.get_mut(member) {
                            avatar.remember_walk_step(from);
                        }
                    }
                    Err(_) => {
                        if let Some(avatar) = self.presence.get_mut(member) {
                            avatar.stop_walking();
                        }
                        break;
                    }
                }
            }
        }
        effects
    }

    /// The next step of a walking avatar if it is due at `now` (steps missed
    /// by late ticks stay due for `catch_up`), with the tile and room it
    /// leaves: the path's next tile, or else the next tile in its
    /// heading (none at a wall, the map's edge or the heading room's edge,
    /// which ends the walk).
    fn due_step(
        &mut self,
        member: MemberId,
        now: Millis,
        interval: Millis,
        catch_up: Millis,
    ) -> Option<(Tile, Tile, RoomIdx)> {
        let venue = &self.venue;
        let avatar = self.presence.get_mut(member)?;
        if avatar.next_walk_step > now {
            return None;
        }
        let next = match avatar.path.pop_front() {
            Some(next) => next,
            None => {
                let next = ahead(venue, avatar.tile, avatar.heading?);
                if next.is_none() {
                    avatar.heading = None;
                }
                next?
            }
        };
        // After a long pause, replay at most `catch_up` of the missed steps.
        avatar.next_walk_step = avatar.next_walk_step.max(now.saturating_sub(catch_up)) + interval;
        Some((next, avatar.tile, avatar.room))
    }

    /// Where a newly connected avatar appears: one of the role's spawn points,
    /// chosen by id so arrivals spread out, or the nearest free tile to it.
    pub(super) fn spawn_point(&self, member: MemberId, role: Role) -> Option<(Tile, RoomIdx)> {
        let spawns: Vec<(Tile, RoomIdx)> = self
            .venue
            .spawns_for(role)
            .filter_map(|tile| Some((tile, self.standable(tile).ok()?)))
            .filter(|(_, room)| self.check_entry(role, None, *room).is_ok())
            .collect();
        if spawns.is_empty() {
            return None;
        }
        let (wanted, room) = spawns[member.0 as usize % spawns.len()];
        Some((self.free_tile_near(member, wanted, room), room))
    }
}

/// One tile up, down, left or right, or why not. Untrusted numbers: `abs`
/// overflows on `i64::MIN`, so they are compared exactly.
pub(super) fn unit_direction(dx: i64, dy: i64) -> Result<(i8, i8), DomainError> {
    match (dx, dy) {
        (1, 0) => Ok((1, 0)),
        (-1, 0) => Ok((-1, 0)),
        (0, 1) => Ok((0, 1)),
        (0, -1) => Ok((0, -1)),
        _ => Err(DomainError::InvalidStep { dx, dy }),
    }
}
