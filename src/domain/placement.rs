//! Where the server puts an avatar it moves by itself (spawn, respawn,
//! teleport, summon, go to a team's table) or walks to a tile: never onto a
//! tile another avatar stands on or is walking to, so no one is hidden
//! under someone else. Summoned people are seated on the amphitheatre's
//! seats while there are free ones.

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::ids::MemberId;
use super::role::Role;
use crate::venue::{RoomIdx, Tile};
use std::collections::{HashSet, VecDeque};

impl Event {
    /// The tiles of `room` other avatars than `member` stand on, and every
    /// tile another avatar is walking to.
    fn taken_tiles(&self, member: MemberId, room: RoomIdx) -> HashSet<Tile> {
        let others = || self.presence.iter().filter(|a| a.member != member);
        others()
            .filter(|a| a.room == room)
            .map(|a| a.tile)
            .chain(others().filter_map(|a| a.path.back().copied()))
            .collect()
    }

    /// The tile nearest to `wanted` (in steps, staying in `room`) that no
    /// other avatar stands on or is walking to, and that `member` may stand
    /// on (the stage is reserved). `wanted` itself when it is free, or when
    /// the whole room is taken (someone has to share then).
    pub(super) fn free_tile_near(&self, member: MemberId, wanted: Tile, room: RoomIdx) -> Tile {
        let taken = self.taken_tiles(member, room);
        let mut seen = HashSet::from([wanted]);
        let mut queue = VecDeque::from([wanted]);
        while let Some(tile) = queue.pop_front() {
            if !taken.contains(&tile) && self.may_stand_on_stage(member, tile) {
                return tile;
            }
            let (x, y) = (i64::from(tile.x), i64::from(tile.y));
            for (nx, ny) in [(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)] {
                let Some(next) = self.venue.tile(nx, ny) else {
                    continue;
                };
                if self.venue.is_walkable(next)
                    && self.venue.room_at(next) == Some(room)
                    && seen.insert(next)
                {
                    queue.push_back(next);
                }
            }
        }
        wanted
    }

    /// Seats `member` on the first free seat of the room `room_id` (the
    /// venue's seat order); teleports them into it as usual when it has no
    /// free seat left.
    pub(super) fn seat(
        &mut self,
        member: MemberId,
        role: Role,
        room_id: &str,
    ) -> Result<Vec<Effect>, DomainError> {
        let room = self
            .venue
            .room_by_id(room_id)
            .ok_or_else(|| DomainError::UnknownRoom(room_id.to_string()))?;
        let taken = self.taken_tiles(member, room);
        let seat = self.venue.seats.iter().copied().find(|seat| {
            self.venue.room_at(*seat) == Some(room)
                && !taken.contains(seat)
                && self.may_stand_on_stage(member, *seat)
        });
        let Some(seat) = seat else {
            return self.teleport(member, role, room_id);
        };
        let avatar = self.presence.get(member).ok_or(DomainError::NoAvatar)?;
        self.check_entry(role, Some(avatar.room), room)?;
        if let Some(avatar) = self.presence.get_mut(member) {
            avatar.stop_walking();
        }
        Ok(self.move_avatar(member, seat, room))
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::command::Action;
    use crate::domain::event::Event;
    use crate::domain::ids::MemberId;
    use crate::domain::role::Role;
    use crate::domain::teams::SummonTarget;
    use crate::domain::teams::tests::{event, join};
    use crate::venue::Tile;
    use std::collections::HashSet;

    fn arrive(event: &mut Event, name: &str) -> MemberId {
        arrive_as(event, name, Role::Participant)
    }

    fn arrive_as(event: &mut Event, name: &str, role: Role) -> MemberId {
        let member = join(event, name, role);
        event.act(member, &Action::Connect, 0).unwrap();
        member
    }

    fn tile_of(event: &Event, member: MemberId) -> Tile {
        event.presence().get(member).unwrap().tile
    }

    #[test]
    fn arrivals_and_teleports_never_share_a_tile() {
        let mut e = event();
        let people: Vec<MemberId> = (0..40).map(|i| arrive(&mut e, &format!("p{i}"))).collect();
        let spawned: HashSet<Tile> = people.iter().map(|m| tile_of(&e, *m)).collect();
        assert_eq!(spawned.len(), people.len(), "one tile each at the spawns");
        for m in &people {
            e.act(
                *m,
                &Action::Teleport {
                    room: "hall".into(),
                },
                0,
            )
            .unwrap();
        }
        let teleported: HashSet<Tile> = people.iter().map(|m| tile_of(&e, *m)).collect();
        assert_eq!(teleported.len(), people.len(), "one tile each in the hall");
    }

    #[test]
    fn a_walk_to_a_taken_tile_ends_on_the_nearest_free_one_in_its_room() {
        let mut e = event();
        let (a, b) = (arrive(&mut e, "a"), arrive(&mut e, "b"));
        let target = tile_of(&e, a);
        let room = e.presence().get(a).unwrap().room;
        e.act(
            b,
            &Action::WalkTo {
                x: i64::from(target.x),
                y: i64::from(target.y),
            },
            0,
        )
        .unwrap();
        let end = *e
            .presence()
            .get(b)
            .unwrap()
            .path
            .back()
            .unwrap_or(&tile_of(&e, b));
        assert_ne!(end, target);
        assert_eq!(e.venue().room_at(end), Some(room));
        let (dx, dy) = (
            i64::from(end.x) - i64::from(target.x),
            i64::from(end.y) - i64::from(target.y),
        );
        assert_eq!(dx.abs() + dy.abs(), 1, "next to the taken tile: {end:?}");
    }

    #[test]
    fn summoned_people_sit_on_free_seats_front_row_first() {
        let mut e = event();
        let moderator = arrive_as(&mut e, "mod", Role::Moderator);
        let people: Vec<MemberId> = (0..12).map(|i| arrive(&mut e, &format!("p{i}"))).collect();
        // Someone already sits on the first seat: nobody is put on them.
        let first = e.venue().seats[0];
        e.act(
            people[0],
            &Action::Teleport {
                room: "amphi".into(),
            },
            0,
        )
        .unwrap();
        let amphi = e.venue().room_by_id("amphi").unwrap();
        e.presence.relocate(people[0], first, amphi);
        e.summon(moderator, SummonTarget::Role(Role::Participant), 0)
            .unwrap();
        let seats: HashSet<Tile> = e.venue().seats.iter().copied().collect();
        let tiles: HashSet<Tile> = people.iter().map(|m| tile_of(&e, *m)).collect();
        assert_eq!(tiles.len(), people.len(), "one seat each");
        assert!(tiles.is_subset(&seats), "everyone seated: {tiles:?}");
        let front = e.venue().seats.iter().map(|s| s.y).min().unwrap();
        assert!(tiles.iter().all(|t| t.y == front), "the front row first");
    }
}
