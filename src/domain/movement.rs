//! Server-authoritative movement: steps, walks along a path or in a held
//! direction, teleports and spawn points. Walls, speed, room access and room capacity are enforced here;
//! a refused move leaves the avatar where it was.

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis};
use super::role::Role;
use crate::venue::{RoomIdx, Tile};

impl Event {
    /// Milliseconds between two steps at the configured speed.
    fn step_interval(&self) -> Millis {
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

    /// The room of a tile someone could stand on, or why not.
    fn standable(&self, tile: Tile) -> Result<RoomIdx, DomainError> {
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
        // Untrusted numbers: `abs` overflows on i64::MIN, so compare exactly.
        if !matches!((dx, dy), (1, 0) | (-1, 0) | (0, 1) | (0, -1)) {
            return Err(DomainError::InvalidStep { dx, dy });
        }
        let avatar = self.presence.get(member).ok_or(DomainError::NoAvatar)?;
        let (from_tile, from_room) = (avatar.tile, avatar.room);
        let (x, y) = (i64::from(from_tile.x) + dx, i64::from(from_tile.y) + dy);
        let tile = self
            .venue
            .tile(x, y)
            .ok_or(DomainError::OutOfBounds { x, y })?;
        let room = self.standable(tile)?;
        if !self.may_stand_on_stage(member, tile) {
            return Err(DomainError::StageReserved);
        }
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
        let target = self
            .venue
            .tile(x, y)
            .ok_or(DomainError::OutOfBounds { x, y })?;
        let target_room = self.standable(target)?;
        if !self.may_stand_on_stage(member, target) {
            return Err(DomainError::StageReserved);
        }
        let avatar = self.presence.get(member).ok_or(DomainError::NoAvatar)?;
        let (from_tile, from_room) = (avatar.tile, avatar.room);
        self.check_entry(role, Some(from_room), target_room)?;
        // Someone stands (or is heading) there: stop beside them instead.
        let target = self.free_tile_near(member, target, target_room);
        // Capacity is checked step by step while walking, not when planning.
        let may_enter =
            |room: RoomIdx| room == from_room || self.venue.room(room).roles.contains(role);
        let path = self
            .venue
            .find_path(from_tile, target, &may_enter)
            .filter(|p| p.len() <= self.limits.max_path_steps)
            .ok_or(DomainError::NoPath {
                x: target.x,
                y: target.y,
            })?;
        self.start_walk(member, path, None, now);
        Ok(vec![])
    }

    /// Walks from `(x, y)`, where the client shows the avatar, on towards
    /// `(dx, dy)` until a wall or the map's edge; with `(0, 0)`, stops on
    /// `(x, y)`. The server may be behind or ahead of the client: it first
    /// walks to `(x, y)` along a path, so both end on the same tile. Rooms on
    /// the way are checked step by step, as for `walk_to`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn walk(
        &mut self,
        member: MemberId,
        role: Role,
        x: i64,
        y: i64,
        dx: i64,
        dy: i64,
        now: Millis,
    ) -> Result<Vec<Effect>, DomainError> {
        let heading = match (dx, dy) {
            (0, 0) => None,
            (1, 0) => Some((1, 0)),
            (-1, 0) => Some((-1, 0)),
            (0, 1) => Some((0, 1)),
            (0, -1) => Some((0, -1)),
            _ => return Err(DomainError::InvalidStep { dx, dy }),
        };
        let from = self
            .venue
            .tile(x, y)
            .ok_or(DomainError::OutOfBounds { x, y })?;
        let from_room = self.standable(from)?;
        if !self.may_stand_on_stage(member, from) {
            return Err(DomainError::StageReserved);
        }
        let avatar = self.presence.get(member).ok_or(DomainError::NoAvatar)?;
        let (at_tile, at_room) = (avatar.tile, avatar.room);
        self.check_entry(role, Some(at_room), from_room)?;
        if avatar.last_walk_step == Some((from, at_tile)) {
            return Ok(self.take_back_last_walk_step(member, from, from_room, heading, now));
        }
        let may_enter =
            |room: RoomIdx| room == at_room || self.venue.room(room).roles.contains(role);
        let path = self
            .venue
            .find_path(at_tile, from, &may_enter)
            .filter(|p| p.len() <= self.limits.max_path_steps)
            .ok_or(DomainError::NoPath {
                x: from.x,
                y: from.y,
            })?;
        self.start_walk(member, path, heading, now);
        Ok(vec![])
    }

    /// Puts the avatar back on the tile its last walk step left, at once, and
    /// gives that step's time back: the `walk` naming that tile was sent
    /// before the step, which the server took while the message was on its
    /// way. Going back never takes the avatar further than it had been, so
    /// this does not make anyone faster.
    fn take_back_last_walk_step(
        &mut self,
        member: MemberId,
        back: Tile,
        room: RoomIdx,
        heading: Option<(i8, i8)>,
        now: Millis,
    ) -> Vec<Effect> {
        let interval = self.step_interval();
        let effects = self.move_avatar(member, back, room);
        if let Some(avatar) = self.presence.get_mut(member) {
            avatar.next_walk_step = avatar.next_walk_step.saturating_sub(interval);
            avatar.last_walk_step = None;
        }
        self.start_walk(member, Vec::new(), heading, now);
        effects
    }

    /// Replaces the avatar's walk with `path`, then `heading`; its first step
    /// is due now unless the previous one was too recent.
    fn start_walk(
        &mut self,
        member: MemberId,
        path: Vec<Tile>,
        heading: Option<(i8, i8)>,
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
        let walkers: Vec<MemberId> = self
            .presence
            .iter()
            .filter(|a| a.is_walking())
            .map(|a| a.member)
            .collect();
        let mut effects = Vec::new();
        for member in walkers {
            let Ok(role) = self.role_of(member) else {
                continue;
            };
            while let Some((next, from, from_room)) = self.due_step(member, now, interval) {
                let entry = self
                    .standable(next)
                    .and_then(|room| self.check_entry(role, Some(from_room), room).map(|_| room))
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
                            avatar.last_walk_step = Some((from, next));
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

    /// The next step of a walking avatar if it is due at `now`, with the tile
    /// and room it leaves: the path's next tile, or else the next tile in its heading
    /// (none at a wall or the map's edge, which ends the walk).
    fn due_step(
        &mut self,
        member: MemberId,
        now: Millis,
        interval: Millis,
    ) -> Option<(Tile, Tile, RoomIdx)> {
        let venue = &self.venue;
        let avatar = self.presence.get_mut(member)?;
        if avatar.next_walk_step > now {
            return None;
        }
        let next = match avatar.path.pop_front() {
            Some(next) => next,
            None => {
                let (dx, dy) = avatar.heading?;
                let ahead = venue
                    .tile(
                        i64::from(avatar.tile.x) + i64::from(dx),
                        i64::from(avatar.tile.y) + i64::from(dy),
                    )
                    .filter(|t| venue.is_walkable(*t));
                if ahead.is_none() {
                    avatar.heading = None;
                }
                ahead?
            }
        };
        // After a long pause, do not replay every missed step at once.
        avatar.next_walk_step = avatar.next_walk_step.max(now.saturating_sub(interval)) + interval;
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

#[cfg(test)]
mod tests {
    use crate::domain::command::Action;
    use crate::domain::error::DomainError;
    use crate::domain::event::Event;
    use crate::domain::ids::{MemberId, Millis};
    use crate::domain::role::Role;
    use crate::domain::teams::tests::{event, join};
    use crate::venue::Tile;

    /// Default speed: 8 steps a second.
    const INTERVAL: Millis = 125;

    fn arrive(e: &mut Event, name: &str) -> MemberId {
        let member = join(e, name, Role::Participant);
        e.act(member, &Action::Connect, 0).unwrap();
        member
    }

    fn at(e: &Event, member: MemberId) -> Tile {
        e.presence().get(member).unwrap().tile
    }

    fn walk(tile: Tile, (dx, dy): (i64, i64)) -> Action {
        Action::Walk {
            x: i64::from(tile.x),
            y: i64::from(tile.y),
            dx,
            dy,
        }
    }

    fn next(e: &Event, t: Tile, (dx, dy): (i64, i64)) -> Option<Tile> {
        e.venue()
            .tile(i64::from(t.x) + dx, i64::from(t.y) + dy)
            .filter(|t| e.venue().is_walkable(*t) && e.venue().room_at(*t).is_some())
    }

    /// A direction with at least `n` free tiles ahead of `from`, in its room.
    fn open_direction(e: &Event, from: Tile, n: usize) -> (i64, i64) {
        let room = e.venue().room_at(from);
        [(1, 0), (-1, 0), (0, 1), (0, -1)]
            .into_iter()
            .find(|dir| {
                let mut t = from;
                (0..n).all(|_| match next(e, t, *dir) {
                    Some(n) if e.venue().room_at(n) == room => {
                        t = n;
                        true
                    }
                    _ => false,
                })
            })
            .expect("an open direction")
    }

    #[test]
    fn a_walk_goes_one_tile_per_interval_until_a_wall() {
        let mut e = event();
        let a = arrive(&mut e, "a");
        let start = at(&e, a);
        let dir = open_direction(&e, start, 3);
        e.act(a, &walk(start, dir), 0).unwrap();
        let mut expected = start;
        let mut now = 0;
        // Every interval, one tile on, and never two at once.
        while let Some(ahead) = next(&e, expected, dir).filter(|_| now < 60_000) {
            e.advance(now);
            assert_eq!(at(&e, a), ahead, "at {now} ms");
            e.advance(now + INTERVAL - 1);
            assert_eq!(at(&e, a), ahead, "not yet at {} ms", now + INTERVAL - 1);
            expected = ahead;
            now += INTERVAL;
        }
        e.advance(now + 10 * INTERVAL);
        let avatar = e.presence().get(a).unwrap();
        assert_eq!(avatar.tile, expected, "stopped before the wall");
        assert!(!avatar.is_walking(), "the walk ended at the wall");
        assert!(at(&e, a) != start);
    }

    #[test]
    fn a_walk_reaches_the_clients_tile_first_and_stops_there() {
        let mut e = event();
        let a = arrive(&mut e, "a");
        let start = at(&e, a);
        let dir = open_direction(&e, start, 3);
        let one = next(&e, start, dir).unwrap();
        let two = next(&e, one, dir).unwrap();
        // The client is two tiles ahead of the server when its key comes up.
        e.act(a, &walk(two, (0, 0)), 0).unwrap();
        for k in 0..10 {
            e.advance(k * INTERVAL);
        }
        assert_eq!(at(&e, a), two);
        assert!(!e.presence().get(a).unwrap().is_walking());
        // The server ahead of the client: it walks back to the client's tile.
        e.act(a, &walk(one, (0, 0)), 10 * INTERVAL).unwrap();
        e.advance(11 * INTERVAL);
        assert_eq!(at(&e, a), one);
    }

    #[test]
    fn a_new_direction_turns_from_the_clients_tile() {
        let mut e = event();
        let a = arrive(&mut e, "a");
        let start = at(&e, a);
        let dir = open_direction(&e, start, 2);
        let one = next(&e, start, dir).unwrap();
        e.act(a, &walk(start, dir), 0).unwrap();
        // The client turned back on `one` before the server stepped at all.
        let back = (-dir.0, -dir.1);
        e.act(a, &walk(one, back), 1).unwrap();
        e.advance(1);
        assert_eq!(at(&e, a), one, "first to the client's tile");
        e.advance(1 + INTERVAL);
        assert_eq!(at(&e, a), start, "then the new direction");
    }

    #[test]
    fn a_turn_that_comes_just_too_late_takes_the_last_step_back_at_once() {
        let mut e = event();
        let a = arrive(&mut e, "a");
        let start = at(&e, a);
        let dir = open_direction(&e, start, 3);
        let one = next(&e, start, dir).unwrap();
        let two = next(&e, one, dir).unwrap();
        e.act(a, &walk(start, dir), 0).unwrap();
        e.advance(0);
        e.advance(INTERVAL);
        assert_eq!(at(&e, a), two, "the server went on to `two`");
        // The client turned back on `one`, but its message came after the
        // step to `two` was due: the avatar is back on `one` at once, and
        // the next step back is due as if `two` had never been walked.
        let back = (-dir.0, -dir.1);
        let effects = e.act(a, &walk(one, back), INTERVAL + 5).unwrap();
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(at(&e, a), one);
        e.advance(INTERVAL + 5);
        assert_eq!(at(&e, a), start);
        // Only the last step is taken back, and only once.
        e.advance(10 * INTERVAL);
        let end = at(&e, a);
        e.act(a, &walk(start, (0, 0)), 10 * INTERVAL).unwrap();
        assert_eq!(at(&e, a), end, "an older tile is walked to, not jumped to");
    }

    #[test]
    fn a_step_ends_a_walk() {
        let mut e = event();
        let a = arrive(&mut e, "a");
        let start = at(&e, a);
        let dir = open_direction(&e, start, 3);
        e.act(a, &walk(start, dir), 0).unwrap();
        e.advance(0);
        let one = at(&e, a);
        e.act(
            a,
            &Action::Step {
                dx: -dir.0,
                dy: -dir.1,
            },
            10,
        )
        .unwrap();
        for k in 1..10 {
            e.advance(k * INTERVAL);
        }
        assert_ne!(one, start);
        assert_eq!(at(&e, a), start, "back one tile, and no further walking");
        assert!(!e.presence().get(a).unwrap().is_walking());
    }

    #[test]
    fn bad_walks_are_refused_and_change_nothing() {
        let mut e = event();
        let a = arrive(&mut e, "a");
        let start = at(&e, a);
        let wall = (0..e.venue().width)
            .flat_map(|x| (0..e.venue().height).map(move |y| Tile::new(x, y)))
            .find(|t| !e.venue().is_walkable(*t))
            .unwrap();
        let cases = [
            (walk(start, (1, 1)), "invalid_step"),
            (walk(start, (2, 0)), "invalid_step"),
            (walk(start, (i64::MIN, 0)), "invalid_step"),
            (
                Action::Walk {
                    x: -1,
                    y: 0,
                    dx: 0,
                    dy: 0,
                },
                "out_of_bounds",
            ),
            (
                Action::Walk {
                    x: i64::MAX,
                    y: 3,
                    dx: 1,
                    dy: 0,
                },
                "out_of_bounds",
            ),
            (walk(wall, (0, 0)), "blocked"),
        ];
        for (action, code) in cases {
            let err: DomainError = e.act(a, &action, 0).unwrap_err();
            assert_eq!(err.code(), code, "{action:?}");
            e.advance(10 * INTERVAL);
            assert_eq!(at(&e, a), start, "{action:?}");
            assert!(!e.presence().get(a).unwrap().is_walking());
        }
    }
}
