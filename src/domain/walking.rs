//! Walking while a key is held (`walk`): the client sends one message when
//! the key goes down or turns and one when it comes up; the server walks the
//! avatar from the tile the client named, one tile per step interval, like a
//! `walk_to` (see [`super::movement`] for the ticks that walk).
//!
//! Two rules keep the server and a client that predicts its own avatar on
//! the same tiles:
//! - a heading stays in one room: at its edge the avatar waits for the
//!   client's next `walk`, so it never enters a room the client did not show
//!   it entering;
//! - a `walk` that names a tile the avatar's last steps left (the server
//!   took them while the message was on its way) takes those steps back at
//!   once and gives their time back.

use super::command::Effect;
use super::error::DomainError;
use super::event::Event;
use super::ids::{MemberId, Millis};
use super::movement::unit_direction;
use super::presence::Heading;
use super::role::Role;
use crate::venue::{RoomIdx, Tile, Venue};

/// The next tile of a heading from `at`: walkable and in the heading's room.
pub(super) fn ahead(venue: &Venue, at: Tile, heading: Heading) -> Option<Tile> {
    venue
        .tile(
            i64::from(at.x) + i64::from(heading.dx),
            i64::from(at.y) + i64::from(heading.dy),
        )
        .filter(|t| venue.is_walkable(*t) && venue.room_at(*t) == Some(heading.room))
}

impl Event {
    /// Walks from `(x, y)`, where the client shows the avatar, on towards
    /// `(dx, dy)` through the room of the first tile that way; with `(0, 0)`,
    /// stops on `(x, y)`. The server may be behind the client (it first walks
    /// to `(x, y)` along a path) or ahead of it (it takes its last steps
    /// back), so both end on the same tile. Rooms are checked step by step,
    /// as for `walk_to`.
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
        let direction = match (dx, dy) {
            (0, 0) => None,
            _ => Some(unit_direction(dx, dy)?),
        };
        let (from, from_room) = self.tile_to_stand_on(member, x, y)?;
        let avatar = self.presence.get(member).ok_or(DomainError::NoAvatar)?;
        let (at_tile, at_room) = (avatar.tile, avatar.room);
        self.check_entry(role, Some(at_room), from_room)?;
        let heading = direction.and_then(|(dx, dy)| {
            let next = self.venue.tile(
                i64::from(from.x) + i64::from(dx),
                i64::from(from.y) + i64::from(dy),
            )?;
            let room = self.venue.room_at(next)?;
            Some(Heading { dx, dy, room })
        });
        if from != at_tile
            && let Some(k) = avatar.trail.iter().rposition(|t| *t == from)
        {
            let steps = avatar.trail.len() - k;
            return Ok(self.take_back(member, from, from_room, steps, heading, now));
        }
        let path = self.plan_path(role, at_tile, at_room, from)?;
        self.start_walk(member, path, heading, now);
        Ok(vec![])
    }

    /// Puts the avatar back on `back`, which its last `steps` walk steps
    /// left, at once, and gives those steps' time back. Going back never
    /// takes anyone further than they had been, so no one gets faster.
    fn take_back(
        &mut self,
        member: MemberId,
        back: Tile,
        room: RoomIdx,
        steps: usize,
        heading: Option<Heading>,
        now: Millis,
    ) -> Vec<Effect> {
        let refund = self.step_interval() * steps as Millis;
        let effects = self.move_avatar(member, back, room);
        if let Some(avatar) = self.presence.get_mut(member) {
            avatar.next_walk_step = avatar.next_walk_step.saturating_sub(refund);
            let kept = avatar.trail.len().saturating_sub(steps);
            avatar.trail.truncate(kept);
        }
        self.start_walk(member, Vec::new(), heading, now);
        effects
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

    /// `from` and the `n` tiles after it towards `dir`.
    fn line(e: &Event, from: Tile, dir: (i64, i64), n: usize) -> Vec<Tile> {
        let mut tiles = vec![from];
        for _ in 0..n {
            let last = *tiles.last().unwrap();
            tiles.push(next(e, last, dir).expect("a free tile"));
        }
        tiles
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
        let room = e.venue().room_at(start);
        let mut expected = start;
        let mut now = 0;
        // Every interval, one tile on, and never two at once.
        while let Some(ahead) = next(&e, expected, dir)
            .filter(|t| e.venue().room_at(*t) == room)
            .filter(|_| now < 60_000)
        {
            e.advance(now);
            assert_eq!(at(&e, a), ahead, "at {now} ms");
            e.advance(now + INTERVAL - 1);
            assert_eq!(at(&e, a), ahead, "not yet at {} ms", now + INTERVAL - 1);
            expected = ahead;
            now += INTERVAL;
        }
        e.advance(now + 10 * INTERVAL);
        let avatar = e.presence().get(a).unwrap();
        assert_eq!(
            avatar.tile, expected,
            "stopped before the wall or the room's edge"
        );
        assert!(!avatar.is_walking(), "the walk ended there");
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
    }

    #[test]
    fn only_the_last_few_steps_are_taken_back() {
        let walked_five = || {
            let mut e = event();
            let a = arrive(&mut e, "a");
            let start = at(&e, a);
            let dir = open_direction(&e, start, 6);
            e.act(a, &walk(start, dir), 0).unwrap();
            for k in 0..5 {
                e.advance(k * INTERVAL);
            }
            let tiles = line(&e, start, dir, 5);
            assert_eq!(at(&e, a), tiles[5]);
            (e, a, tiles)
        };
        // Two steps back: at once.
        let (mut e, a, tiles) = walked_five();
        e.act(a, &walk(tiles[3], (0, 0)), 4 * INTERVAL + 5).unwrap();
        assert_eq!(at(&e, a), tiles[3]);
        // Four steps back, more than a late message explains: walked, at pace.
        let (mut e, a, tiles) = walked_five();
        e.act(a, &walk(tiles[1], (0, 0)), 4 * INTERVAL + 5).unwrap();
        assert_eq!(at(&e, a), tiles[5]);
        e.advance(5 * INTERVAL);
        assert_eq!(at(&e, a), tiles[4]);
    }

    #[test]
    fn a_held_key_stops_at_the_rooms_edge_until_the_client_crosses() {
        let mut e = event();
        let a = arrive(&mut e, "a");
        let start = at(&e, a);
        let home = e.venue().room_at(start);
        // A straight line from a tile of the avatar's room, and the one
        // before it, into another room.
        let venue = e.venue().clone();
        let (back, edge, dir) = (0..venue.width)
            .flat_map(|x| (0..venue.height).map(move |y| Tile::new(x, y)))
            .filter(|t| venue.room_at(*t) == home && venue.is_walkable(*t))
            .find_map(|t| {
                [(1, 0), (-1, 0), (0, 1), (0, -1)]
                    .into_iter()
                    .find_map(|d| {
                        let n = next(&e, t, d)?;
                        let room = venue.room_at(n)?;
                        let open = venue.room(room).roles.contains(Role::Participant)
                            && venue.room(room).capacity.is_none_or(|c| c > 0);
                        let back =
                            next(&e, t, (-d.0, -d.1)).filter(|b| venue.room_at(*b) == home)?;
                        (Some(room) != home && open && e.may_stand_on_stage(a, n))
                            .then_some((back, t, d))
                    })
            })
            .expect("a door out of the avatar's room");
        e.act(
            a,
            &Action::WalkTo {
                x: i64::from(edge.x),
                y: i64::from(edge.y),
            },
            0,
        )
        .unwrap();
        let mut now = 0;
        while at(&e, a) != edge && now < 600_000 {
            now += INTERVAL;
            e.advance(now);
        }
        assert_eq!(at(&e, a), edge);
        // Walking towards the door from one tile back: the walk stops on the
        // edge, inside the room.
        e.act(a, &walk(back, dir), now).unwrap();
        for _ in 0..5 {
            now += INTERVAL;
            e.advance(now);
        }
        assert_eq!(at(&e, a), edge, "waits at the room's edge");
        // The client crosses: a walk from the edge goes through the door.
        e.act(a, &walk(edge, dir), now).unwrap();
        e.advance(now);
        let through = at(&e, a);
        assert_ne!(venue.room_at(through), home, "through the door");
        assert_eq!(Some(through), next(&e, edge, dir));
    }

    #[test]
    fn steps_a_late_tick_missed_are_caught_up_within_the_burst() {
        let mut e = event();
        let a = arrive(&mut e, "a");
        let start = at(&e, a);
        let dir = open_direction(&e, start, 8);
        let tiles = line(&e, start, dir, 8);
        e.act(a, &walk(start, dir), 0).unwrap();
        e.advance(0);
        assert_eq!(at(&e, a), tiles[1]);
        // The server was busy for three intervals: the avatar is where the
        // client predicts it, three steps on at once (the default burst is 4).
        e.advance(3 * INTERVAL + 10);
        assert_eq!(at(&e, a), tiles[4]);
        // A longer pause is not replayed whole.
        e.advance(10 * INTERVAL);
        assert_eq!(at(&e, a), tiles[8], "four more, not seven");
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
