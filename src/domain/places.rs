//! Where people stood, kept across a restart: the server saves every
//! avatar's tile now and then (`store::places`), and after a restart a person
//! who comes back reappears on the tile they left instead of at the entrance.
//!
//! Places are not durable state: they are not journaled and not part of
//! [`super::EventState`]. A place that no longer fits (the map changed, the
//! tile is a wall, the room is closed to the person's role, someone else
//! stands there) falls back to the nearest free tile or the usual spawn.

use super::event::Event;
use super::ids::MemberId;
use super::role::Role;
use crate::venue::{RoomIdx, Tile};

/// One person's last known tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub member: MemberId,
    pub tile: Tile,
}

impl Event {
    /// Every place worth keeping, sorted by member: the avatars on the map
    /// (connected or within their grace period) and the remembered places of
    /// people who have not come back since the last restart.
    pub fn places(&self) -> Vec<Place> {
        let mut places: Vec<Place> = self
            .presence
            .iter()
            .map(|a| Place {
                member: a.member,
                tile: a.tile,
            })
            .chain(
                self.last_places
                    .iter()
                    .filter(|(member, _)| self.presence.get(**member).is_none())
                    .map(|(member, tile)| Place {
                        member: *member,
                        tile: *tile,
                    }),
            )
            .collect();
        places.sort();
        places
    }

    /// Remembers where people stood before a restart (places of unknown
    /// members are ignored). Used once, before anyone connects.
    pub fn remember_places(&mut self, places: impl IntoIterator<Item = Place>) {
        for place in places {
            if self.state.members.contains_key(&place.member) {
                self.last_places.insert(place.member, place.tile);
            }
        }
    }

    /// Where `member` reappears: their remembered place when it still fits
    /// (taken once), otherwise `None` (the caller uses a spawn point).
    pub(super) fn returning_place(
        &mut self,
        member: MemberId,
        role: Role,
    ) -> Option<(Tile, RoomIdx)> {
        let tile = self.last_places.remove(&member)?;
        let room = self.venue.room_at(tile)?;
        if !self.venue.is_walkable(tile) || self.check_entry(role, None, room).is_err() {
            return None;
        }
        Some((self.free_tile_near(member, tile, room), room))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Action;
    use crate::domain::teams::tests::{event, join};

    fn tile_of(event: &Event, member: MemberId) -> Tile {
        event.presence.get(member).expect("on the map").tile
    }

    /// The walkable tile of `from`'s room farthest from it (in tiles).
    fn farthest_in_room(event: &Event, from: Tile) -> Tile {
        let room = event.venue.room_at(from);
        let distance = |t: Tile| t.x.abs_diff(from.x) + t.y.abs_diff(from.y);
        (0..event.venue.height)
            .flat_map(|y| (0..event.venue.width).map(move |x| Tile { x, y }))
            .filter(|t| event.venue.is_walkable(*t) && event.venue.room_at(*t) == room)
            .max_by_key(|t| distance(*t))
            .expect("a walkable tile")
    }

    #[test]
    fn a_person_who_comes_back_after_a_restart_stands_where_they_left() {
        let mut before = event();
        let ada = join(&mut before, "Ada", Role::Participant);
        before.act(ada, &Action::Connect, 0).expect("connects");
        let spawn = tile_of(&before, ada);
        let far = farthest_in_room(&before, spawn);
        let walk = Action::WalkTo {
            x: i64::from(far.x),
            y: i64::from(far.y),
        };
        before.act(ada, &walk, 0).expect("walks");
        for now in (0..120_000).step_by(50) {
            before.advance(now);
        }
        assert_eq!(tile_of(&before, ada), far);
        assert_ne!(far, spawn);
        let saved = before.places();

        let mut after = event();
        after.state = before.state().clone();
        after.remember_places(saved.clone());
        assert_eq!(after.places(), saved, "kept until they come back");
        after.act(ada, &Action::Connect, 1).expect("connects");
        assert_eq!(tile_of(&after, ada), far);
        assert!(after.last_places.is_empty(), "used once");
    }

    #[test]
    fn a_place_that_no_longer_fits_falls_back_to_a_spawn_point() {
        let mut event = event();
        let ada = join(&mut event, "Ada", Role::Participant);
        let wall = (0..event.venue.width)
            .map(|x| Tile { x, y: 0 })
            .find(|t| !event.venue.is_walkable(*t))
            .expect("a wall on the top row");
        event.remember_places([Place {
            member: ada,
            tile: wall,
        }]);
        event.act(ada, &Action::Connect, 0).expect("connects");
        assert!(event.venue.is_walkable(tile_of(&event, ada)));
    }

    #[test]
    fn two_people_remembered_on_one_tile_do_not_share_it() {
        let mut event = event();
        let ada = join(&mut event, "Ada", Role::Participant);
        let bob = join(&mut event, "Bob", Role::Participant);
        event.act(ada, &Action::Connect, 0).expect("connects");
        let tile = tile_of(&event, ada);
        event.remember_places([Place { member: bob, tile }]);
        event.act(bob, &Action::Connect, 0).expect("connects");
        assert_ne!(tile_of(&event, bob), tile);
    }

    #[test]
    fn places_of_unknown_members_are_ignored() {
        let mut event = event();
        event.remember_places([Place {
            member: MemberId(999),
            tile: Tile { x: 1, y: 1 },
        }]);
        assert!(event.places().is_empty());
    }
}
