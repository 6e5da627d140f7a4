//! Tile coordinates and tile rectangles: the units every venue query uses.

use serde::{Deserialize, Serialize};

/// One tile of the map grid, `x` to the right, `y` down, from the top-left.
///
/// Avatars stand on tiles; a `Tile` is always inside the map it came from
/// (see [`super::Venue::tile`] for building one from untrusted numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Tile {
    pub x: u16,
    pub y: u16,
}

impl Tile {
    /// A tile at these coordinates (not checked against any map).
    pub const fn new(x: u16, y: u16) -> Tile {
        Tile { x, y }
    }
}

/// A rectangle of whole tiles: the area of a room or of the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TileRect {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

impl TileRect {
    /// Whether the tile lies inside the rectangle.
    pub fn contains(&self, t: Tile) -> bool {
        let (tx, ty) = (u32::from(t.x), u32::from(t.y));
        tx >= u32::from(self.x)
            && ty >= u32::from(self.y)
            && tx < u32::from(self.x) + u32::from(self.w)
            && ty < u32::from(self.y) + u32::from(self.h)
    }

    /// Number of tiles covered; decides which of nested rooms a tile belongs to.
    pub fn area(&self) -> u32 {
        u32::from(self.w) * u32::from(self.h)
    }

    /// Whether `other` lies entirely inside this rectangle.
    pub fn contains_rect(&self, other: &TileRect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && u32::from(other.x) + u32::from(other.w) <= u32::from(self.x) + u32::from(self.w)
            && u32::from(other.y) + u32::from(other.h) <= u32::from(self.y) + u32::from(self.h)
    }

    /// Every tile of the rectangle, row by row.
    pub fn tiles(&self) -> impl Iterator<Item = Tile> + use<> {
        let TileRect { x, y, w, h } = *self;
        (y..y.saturating_add(h))
            .flat_map(move |ty| (x..x.saturating_add(w)).map(move |tx| Tile::new(tx, ty)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_and_area() {
        let r = TileRect {
            x: 2,
            y: 3,
            w: 4,
            h: 2,
        };
        assert!(r.contains(Tile::new(2, 3)));
        assert!(r.contains(Tile::new(5, 4)));
        assert!(!r.contains(Tile::new(6, 4)));
        assert!(!r.contains(Tile::new(2, 5)));
        assert_eq!(r.area(), 8);
        assert_eq!(r.tiles().count(), 8);
        assert!(r.contains_rect(&TileRect {
            x: 3,
            y: 3,
            w: 3,
            h: 2
        }));
        assert!(!r.contains_rect(&TileRect {
            x: 3,
            y: 3,
            w: 4,
            h: 2
        }));
    }

    #[test]
    fn tile_serializes_as_object() {
        let json = serde_json::to_string(&Tile::new(1, 2)).unwrap();
        assert_eq!(json, r#"{"x":1,"y":2}"#);
    }
}
