//! The per-tile tables: collision and which room each tile belongs to.
//!
//! Built once at load time so `is_walkable` and `room_at` are O(1) lookups on
//! the hot path (every move of every avatar).

use super::{Room, RoomIdx, Tile};

/// Flat row-major tables over the map, one entry per tile.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    width: u16,
    height: u16,
    blocked: Vec<bool>,
    room_of: Vec<Option<RoomIdx>>,
}

impl Grid {
    /// Builds the tables. `blocked` holds `width * height` entries, row-major.
    ///
    /// A tile belongs to the smallest-area room containing it; on ties the room
    /// that comes first in map order wins, so nested rooms (a table inside the
    /// hall) behave as a designer expects.
    pub(crate) fn new(width: u16, height: u16, blocked: Vec<bool>, rooms: &[Room]) -> Grid {
        let mut room_of: Vec<Option<RoomIdx>> = vec![None; blocked.len()];
        let mut best_area: Vec<u32> = vec![u32::MAX; blocked.len()];
        for (i, room) in rooms.iter().enumerate() {
            let idx = RoomIdx(u16::try_from(i).unwrap_or(u16::MAX));
            let area = room.rect.area();
            for t in room.rect.tiles() {
                let cell = usize::from(t.y) * usize::from(width) + usize::from(t.x);
                if let (Some(best), Some(slot)) = (best_area.get_mut(cell), room_of.get_mut(cell))
                    && area < *best
                {
                    *best = area;
                    *slot = Some(idx);
                }
            }
        }
        Grid {
            width,
            height,
            blocked,
            room_of,
        }
    }

    /// Row-major index of a tile, or `None` if it lies outside the map.
    pub(crate) fn index(&self, t: Tile) -> Option<usize> {
        (t.x < self.width && t.y < self.height)
            .then(|| usize::from(t.y) * usize::from(self.width) + usize::from(t.x))
    }

    /// Number of tiles in the map.
    pub(crate) fn len(&self) -> usize {
        self.blocked.len()
    }

    /// The tile at a row-major index (the inverse of [`Grid::index`]).
    pub(crate) fn tile_of(&self, index: usize) -> Tile {
        let w = usize::from(self.width.max(1));
        Tile::new(
            u16::try_from(index % w).unwrap_or(u16::MAX),
            u16::try_from(index / w).unwrap_or(u16::MAX),
        )
    }

    /// In bounds and not blocked by any colliding tile.
    pub(crate) fn is_walkable(&self, t: Tile) -> bool {
        self.index(t)
            .and_then(|i| self.blocked.get(i))
            .is_some_and(|b| !b)
    }

    /// The room a tile belongs to (see [`Grid::new`] for the rule).
    pub(crate) fn room_at(&self, t: Tile) -> Option<RoomIdx> {
        self.index(t)
            .and_then(|i| self.room_of.get(i).copied().flatten())
    }

    /// The up-to-four in-bounds neighbours of a tile (up, left, right, down).
    pub(crate) fn neighbours(&self, t: Tile) -> impl Iterator<Item = Tile> + use<> {
        let (w, h) = (self.width, self.height);
        let up = t.y.checked_sub(1).map(|y| Tile::new(t.x, y));
        let left = t.x.checked_sub(1).map(|x| Tile::new(x, t.y));
        let right = (u32::from(t.x) + 1 < u32::from(w)).then(|| Tile::new(t.x + 1, t.y));
        let down = (u32::from(t.y) + 1 < u32::from(h)).then(|| Tile::new(t.x, t.y + 1));
        [up, left, right, down].into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::RoleSet;
    use crate::venue::{RoomKind, TileRect};

    fn room(id: &str, rect: TileRect) -> Room {
        Room {
            id: id.into(),
            label: id.into(),
            kind: RoomKind::Hall,
            rect,
            capacity: None,
            roles: RoleSet::ALL,
        }
    }

    #[test]
    fn smallest_room_wins_and_ties_go_to_the_first() {
        let rooms = [
            room(
                "hall",
                TileRect {
                    x: 0,
                    y: 0,
                    w: 4,
                    h: 4,
                },
            ),
            room(
                "a",
                TileRect {
                    x: 1,
                    y: 1,
                    w: 2,
                    h: 1,
                },
            ),
            room(
                "b",
                TileRect {
                    x: 2,
                    y: 1,
                    w: 1,
                    h: 2,
                },
            ),
        ];
        let grid = Grid::new(4, 4, vec![false; 16], &rooms);
        assert_eq!(grid.room_at(Tile::new(0, 0)), Some(RoomIdx(0)));
        assert_eq!(grid.room_at(Tile::new(1, 1)), Some(RoomIdx(1)));
        assert_eq!(grid.room_at(Tile::new(2, 1)), Some(RoomIdx(1)));
        assert_eq!(grid.room_at(Tile::new(2, 2)), Some(RoomIdx(2)));
        assert_eq!(grid.room_at(Tile::new(4, 0)), None);
    }

    #[test]
    fn neighbours_stay_in_bounds() {
        let grid = Grid::new(3, 2, vec![false; 6], &[]);
        assert_eq!(grid.neighbours(Tile::new(0, 0)).count(), 2);
        assert_eq!(grid.neighbours(Tile::new(1, 0)).count(), 3);
        assert_eq!(
            grid.tile_of(grid.index(Tile::new(2, 1)).unwrap()),
            Tile::new(2, 1)
        );
    }
}
