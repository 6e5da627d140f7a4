//! Area of interest: the part of a room whose avatars a reader follows.
//!
//! A room's position traffic grows with the square of its population: in a
//! crowded hall every reader would get every step of everyone. Instead, each
//! reader follows the avatars inside its *area*: the tiles its screen shows
//! (its [`View`], sent by the client) around its avatar, widened to whole
//! cells of a fixed grid and clipped to the room. Readers standing in the same
//! cell with the same view share one area, so each batch is still encoded once
//! for all of them.
//!
//! Avatars outside the area are not followed: a client hides them, and sees
//! them again when they walk into its area or when its area moves (it then
//! gets a full batch of the new area).

use super::requests::Intent;
use crate::domain::DomainError;
use crate::protocol::ErrorCode;
use crate::venue::{Tile, TileRect};

/// What a `view` request asks: the client's view, each side within
/// 1..=[`View::MAX_SIDE`] (the first side out of range is refused).
pub(super) fn view_intent(w: i64, h: i64) -> Result<Intent, (ErrorCode, String)> {
    match View::new(w, h) {
        Some(view) => Ok(Intent::View(view)),
        None => Err(DomainError::OutOfRange {
            field: "view",
            min: 1,
            max: i64::from(View::MAX_SIDE),
            got: if (1..=i64::from(View::MAX_SIDE)).contains(&w) {
                h
            } else {
                w
            },
        }
        .into()),
    }
}

/// The tiles a client shows around its avatar (width × height).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct View {
    pub w: u16,
    pub h: u16,
}

impl View {
    /// Until a client says otherwise: a laptop screen at the web client's
    /// first zoom shows about 56 × 32 tiles.
    pub const DEFAULT: View = View { w: 64, h: 40 };
    /// Largest view a client may ask for, in tiles per side.
    pub const MAX_SIDE: u16 = 1024;

    /// A view from a client's numbers, if both sides are within 1..=MAX_SIDE.
    pub fn new(w: i64, h: i64) -> Option<View> {
        let side = |v: i64| {
            u16::try_from(v)
                .ok()
                .filter(|v| (1..=View::MAX_SIDE).contains(v))
        };
        Some(View {
            w: side(w)?,
            h: side(h)?,
        })
    }
}

/// Tiles `[x0, x1) × [y0, y1)` of a room that a reader follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Area {
    pub x0: u16,
    pub y0: u16,
    pub x1: u16,
    pub y1: u16,
}

impl Area {
    /// The whole of a rectangle.
    pub fn of_rect(r: TileRect) -> Area {
        Area {
            x0: r.x,
            y0: r.y,
            x1: r.x.saturating_add(r.w),
            y1: r.y.saturating_add(r.h),
        }
    }

    pub fn contains(&self, t: Tile) -> bool {
        (self.x0..self.x1).contains(&t.x) && (self.y0..self.y1).contains(&t.y)
    }

    /// `[x0, y0, x1, y1]`, as the `area` of a `positions` batch.
    pub fn bounds(&self) -> [u16; 4] {
        [self.x0, self.y0, self.x1, self.y1]
    }
}

/// A cell of the grid, as (column, row).
pub type Cell = (u16, u16);

/// The grid that areas are cut from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// Side of a cell in tiles; 0 turns areas off (readers follow whole rooms).
    cell: u16,
}

impl Grid {
    pub fn new(cell_tiles: u16) -> Grid {
        Grid { cell: cell_tiles }
    }

    /// The cell a tile lies in (all tiles share one when areas are off).
    pub fn cell_of(&self, t: Tile) -> Cell {
        match self.cell {
            0 => (0, 0),
            c => (t.x / c, t.y / c),
        }
    }

    /// The cells an area is cut from: every avatar of the room inside the
    /// area stands in one of them, and no other avatar of the room does.
    pub fn cells_of(&self, area: Area) -> impl Iterator<Item = Cell> + use<> {
        // Half-open ranges of columns and rows; an empty area has none.
        let (xs, ys) = match self.cell {
            0 => (0..1, 0..1),
            c if area.x1 > area.x0 && area.y1 > area.y0 => (
                area.x0 / c..(area.x1 - 1) / c + 1,
                area.y0 / c..(area.y1 - 1) / c + 1,
            ),
            _ => (0..0, 0..0),
        };
        ys.flat_map(move |y| xs.clone().map(move |x| (x, y)))
    }

    /// The area a reader standing on `at` follows next, given the one it
    /// followed (`kept`): the same while it still covers the view around the
    /// reader but for a margin of half a cell, so a reader pacing across a
    /// cell line does not switch areas (and get a full batch) at every step.
    pub fn next_area(&self, kept: Option<Area>, at: Tile, view: View, room: TileRect) -> Area {
        match kept {
            Some(area) if self.still_covers(area, at, view, room) => area,
            _ => self.area(at, view, room),
        }
    }

    fn still_covers(&self, area: Area, at: Tile, view: View, room: TileRect) -> bool {
        let whole = Area::of_rect(room);
        let slack = self.cell / 2;
        let reach = |side: u16| (side / 2).saturating_sub(slack);
        let (rx, ry) = (reach(view.w), reach(view.h));
        let needed = Area {
            x0: at.x.saturating_sub(rx).max(whole.x0),
            y0: at.y.saturating_sub(ry).max(whole.y0),
            x1: at.x.saturating_add(rx + 1).min(whole.x1),
            y1: at.y.saturating_add(ry + 1).min(whole.y1),
        };
        area.contains(at)
            && needed.x0 >= area.x0
            && needed.y0 >= area.y0
            && needed.x1 <= area.x1
            && needed.y1 <= area.y1
    }

    /// The area followed by a reader standing on `at` in `room`.
    ///
    /// It is computed from the centre of the reader's cell, half a cell wider
    /// than the view on each side, so it covers the whole view wherever the
    /// reader stands in its cell, and readers of one cell share it.
    pub fn area(&self, at: Tile, view: View, room: TileRect) -> Area {
        let whole = Area::of_rect(room);
        if self.cell == 0 {
            return whole;
        }
        let c = u32::from(self.cell);
        let span = |pos: u16, side: u16, lo: u16, hi: u16| {
            let centre = u32::from(pos) / c * c + c / 2;
            let reach = u32::from(side).div_ceil(2) + c / 2;
            let from = centre.saturating_sub(reach) / c * c;
            let to = (centre + reach).div_ceil(c) * c;
            let clip = |v: u32| v.clamp(u32::from(lo), u32::from(hi)) as u16;
            (clip(from), clip(to))
        };
        let (x0, x1) = span(at.x, view.w, whole.x0, whole.x1);
        let (y0, y1) = span(at.y, view.h, whole.y0, whole.y1);
        Area { x0, y0, x1, y1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALL: TileRect = TileRect {
        x: 0,
        y: 0,
        w: 160,
        h: 100,
    };

    fn t(x: u16, y: u16) -> Tile {
        Tile::new(x, y)
    }

    #[test]
    fn the_area_covers_the_view_wherever_the_reader_stands_in_its_cell() {
        let grid = Grid::new(8);
        let view = View { w: 20, h: 10 };
        for x in 40..48 {
            for y in 40..48 {
                let area = grid.area(t(x, y), view, HALL);
                assert!(area.contains(t(x - 10, y - 5)), "{x},{y}: {area:?}");
                assert!(area.contains(t(x + 10, y + 5)), "{x},{y}: {area:?}");
            }
        }
    }

    #[test]
    fn readers_of_one_cell_share_an_area_and_far_readers_do_not_see_each_other() {
        let grid = Grid::new(8);
        let view = View::DEFAULT;
        let here = grid.area(t(80, 50), view, HALL);
        assert_eq!(here, grid.area(t(87, 55), view, HALL));
        assert_ne!(here, grid.area(t(88, 50), view, HALL));
        assert!(!here.contains(t(0, 0)));
        assert!(!here.contains(t(159, 50)));
        for side in [here.x0, here.x1, here.y0, here.y1] {
            assert_eq!(side % 8, 0, "cut on cell lines: {here:?}");
        }
    }

    #[test]
    fn areas_are_clipped_to_the_room_and_off_means_the_whole_room() {
        let room = TileRect {
            x: 3,
            y: 5,
            w: 10,
            h: 7,
        };
        let area = Grid::new(8).area(t(4, 6), View::DEFAULT, room);
        assert_eq!(area.bounds(), [3, 5, 13, 12]);
        let area = Grid::new(0).area(t(80, 50), View { w: 2, h: 2 }, HALL);
        assert_eq!(area, Area::of_rect(HALL));
    }

    #[test]
    fn pacing_across_a_cell_line_keeps_the_area_and_walking_away_changes_it() {
        let grid = Grid::new(8);
        let view = View::DEFAULT;
        let first = grid.area(t(47, 50), view, HALL);
        assert_ne!(first, grid.area(t(48, 50), view, HALL), "two cells");
        let mut kept = first;
        for x in [48, 47, 48, 49, 50, 47] {
            kept = grid.next_area(Some(kept), t(x, 50), view, HALL);
            assert_eq!(kept, first, "at x = {x}");
        }
        let far = grid.next_area(Some(kept), t(60, 50), view, HALL);
        assert_ne!(far, first);
        assert_eq!(far, grid.area(t(60, 50), view, HALL));
        // The view around the reader is covered but for half a cell.
        assert!(far.contains(t(60 - 28, 50)) && far.contains(t(60 + 28, 50)));
        assert_eq!(
            grid.next_area(None, t(5, 5), view, HALL),
            grid.area(t(5, 5), view, HALL)
        );
    }

    #[test]
    fn an_area_is_the_union_of_its_cells_within_the_room() {
        let grid = Grid::new(8);
        let room = TileRect {
            x: 1,
            y: 1,
            w: 32,
            h: 22,
        };
        let area = grid.area(t(5, 5), View { w: 10, h: 4 }, room);
        let cells: Vec<Cell> = grid.cells_of(area).collect();
        for y in room.y..room.y + room.h {
            for x in room.x..room.x + room.w {
                assert_eq!(
                    area.contains(t(x, y)),
                    cells.contains(&grid.cell_of(t(x, y))),
                    "({x}, {y}) in {area:?}"
                );
            }
        }
        let off = Grid::new(0);
        assert_eq!(off.cells_of(Area::of_rect(room)).count(), 1);
        assert_eq!(off.cell_of(t(30, 20)), (0, 0));
    }

    #[test]
    fn views_out_of_range_are_refused() {
        assert_eq!(View::new(56, 32), Some(View { w: 56, h: 32 }));
        assert_eq!(View::new(0, 32), None);
        assert_eq!(View::new(56, -1), None);
        assert_eq!(View::new(1025, 32), None);
        assert_eq!(View::new(i64::MAX, 1), None);
    }
}
