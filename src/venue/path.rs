//! Movement queries: where to land when teleporting into a room, and how to
//! walk from one tile to another without crossing rooms one may not enter.

use std::collections::VecDeque;

use super::{RoomIdx, Tile, Venue};

impl Venue {
    /// Walkable tiles that belong to `room` (per [`Venue::room_at`]), nearest
    /// to the room's centre first; ties in row then column order, so the
    /// order is stable. Teleporting into a room takes the first free one.
    pub fn entry_tiles(&self, room: RoomIdx) -> impl Iterator<Item = Tile> + '_ {
        let rect = self.room(room).rect;
        // Doubled coordinates keep the centre of even-sized rooms integral.
        let cx = 2 * i64::from(rect.x) + i64::from(rect.w) - 1;
        let cy = 2 * i64::from(rect.y) + i64::from(rect.h) - 1;
        let mut tiles: Vec<Tile> = rect
            .tiles()
            .filter(|t| self.is_walkable(*t) && self.room_at(*t) == Some(room))
            .collect();
        tiles.sort_by_key(|t| {
            let dx = 2 * i64::from(t.x) - cx;
            let dy = 2 * i64::from(t.y) - cy;
            (dx * dx + dy * dy, t.y, t.x)
        });
        tiles.into_iter()
    }

    /// A shortest 4-connected walk from `from` to `to`: the tiles after `from`,
    /// up to and including `to` (empty if they are the same tile).
    ///
    /// Only walkable tiles are stepped on, and only tiles outside every room or
    /// in a room for which `may_enter` holds (the caller passes the mover's
    /// access rule). `from` itself is not checked: the avatar is already there.
    /// `None` if `to` cannot be reached. Breadth-first search, so the work is
    /// bounded by the map size.
    pub fn find_path(
        &self,
        from: Tile,
        to: Tile,
        may_enter: &dyn Fn(RoomIdx) -> bool,
    ) -> Option<Vec<Tile>> {
        let start = self.grid.index(from)?;
        let goal = self.grid.index(to)?;
        let allowed: Vec<bool> = self.room_indices().map(may_enter).collect();
        let passable = |t: Tile| {
            self.is_walkable(t)
                && self
                    .room_at(t)
                    .is_none_or(|r| allowed.get(usize::from(r.0)).copied().unwrap_or(false))
        };
        if !passable(to) {
            return None;
        }
        if start == goal {
            return Some(Vec::new());
        }

        const UNSEEN: u32 = u32::MAX;
        let mut came_from = vec![UNSEEN; self.grid.len()];
        let mut queue = VecDeque::new();
        let index = |i: usize| u32::try_from(i).unwrap_or(UNSEEN);
        *came_from.get_mut(start)? = index(start);
        queue.push_back(from);
        while let Some(t) = queue.pop_front() {
            let ti = index(self.grid.index(t)?);
            for n in self.grid.neighbours(t) {
                let ni = self.grid.index(n)?;
                let slot = came_from.get_mut(ni)?;
                if *slot != UNSEEN || !passable(n) {
                    continue;
                }
                *slot = ti;
                if ni == goal {
                    return self.walk_back(&came_from, start, goal);
                }
                queue.push_back(n);
            }
        }
        None
    }

    /// Rebuilds the path from the `came_from` table of a finished search.
    fn walk_back(&self, came_from: &[u32], start: usize, goal: usize) -> Option<Vec<Tile>> {
        let mut path = Vec::new();
        let mut at = goal;
        while at != start {
            path.push(self.grid.tile_of(at));
            at = usize::try_from(*came_from.get(at)?).ok()?;
        }
        path.reverse();
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use crate::venue::test_map::{base, load};
    use crate::venue::{RoomIdx, Tile, Venue};

    fn venue() -> Venue {
        load(base()).unwrap()
    }

    fn is_step(a: Tile, b: Tile) -> bool {
        a.x.abs_diff(b.x) + a.y.abs_diff(b.y) == 1
    }

    fn check_walk(v: &Venue, from: Tile, path: &[Tile]) {
        let mut at = from;
        for &t in path {
            assert!(is_step(at, t), "{at:?} -> {t:?} is not one step");
            assert!(v.is_walkable(t), "{t:?} is not walkable");
            at = t;
        }
    }

    #[test]
    fn walks_around_a_wall() {
        let v = venue();
        let (from, to) = (Tile::new(4, 3), Tile::new(6, 5));
        let path = v.find_path(from, to, &|_| true).unwrap();
        check_walk(&v, from, &path);
        assert_eq!(path.last(), Some(&to));
        // Down to row 6 around the wall's end at (5, 5), then up: 2 + 2 + 1 + ... = 6.
        assert_eq!(path.len(), 6);
        assert!(!path.contains(&Tile::new(5, 3)));
    }

    #[test]
    fn does_not_cross_a_refused_room() {
        let v = venue();
        let jury = v.room_by_id("jury").unwrap();
        let (from, to) = (Tile::new(6, 1), Tile::new(6, 5));
        let direct = v.find_path(from, to, &|_| true).unwrap();
        assert_eq!(direct.len(), 4);
        let around = v.find_path(from, to, &|r| r != jury).unwrap();
        check_walk(&v, from, &around);
        assert!(around.iter().all(|t| v.room_at(*t) != Some(jury)));
        assert_eq!(around.len(), 10);
        // Into the refused room itself: no path.
        assert_eq!(v.find_path(from, Tile::new(7, 3), &|r| r != jury), None);
    }

    #[test]
    fn unreachable_targets_give_none() {
        let v = venue();
        let hall = v.room_by_id("hall").unwrap();
        // A wall tile.
        assert_eq!(
            v.find_path(Tile::new(0, 0), Tile::new(5, 3), &|_| true),
            None
        );
        // Out of the map.
        assert_eq!(
            v.find_path(Tile::new(0, 0), Tile::new(10, 0), &|_| true),
            None
        );
        // Walled in: jury and hall refused, start inside the jury room.
        assert_eq!(
            v.find_path(Tile::new(7, 3), Tile::new(0, 0), &|r| r != hall),
            None
        );
        assert_eq!(
            v.find_path(Tile::new(2, 2), Tile::new(2, 2), &|_| true),
            Some(vec![])
        );
    }

    #[test]
    fn entry_tiles_start_at_the_centre_and_stay_in_the_room() {
        let v = venue();
        let table = v.room_by_id("table-01").unwrap();
        let tiles: Vec<Tile> = v.entry_tiles(table).collect();
        assert_eq!(tiles.len(), 9);
        assert_eq!(tiles[0], Tile::new(1, 6));
        let hall = v.room_by_id("hall").unwrap();
        let hall_tiles: Vec<Tile> = v.entry_tiles(hall).collect();
        assert!(hall_tiles.iter().all(|t| v.room_at(*t) == Some(hall)));
        assert!(
            !hall_tiles.contains(&Tile::new(5, 3)),
            "walls are not entry tiles"
        );
        assert_eq!(RoomIdx(0), hall);
    }
}
