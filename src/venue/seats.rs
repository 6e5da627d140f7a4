//! The amphitheatre's seats: the `seats` rectangles of a map turned into the
//! tiles summoned people are seated on, in the order they are given.

use super::{RoomIdx, RoomKind, Tile, TileRect, Venue};

impl Venue {
    /// The seat tiles of `rows`: the walkable tiles of an amphitheatre they
    /// cover, front row (nearest the top of the map, where the stage is
    /// drawn) first, each row from the amphitheatre's middle outwards, so a
    /// half-full amphitheatre sits in front of the stage, not along a wall.
    pub(crate) fn seats_of(&self, rows: &[TileRect]) -> Vec<Tile> {
        let mut seats: Vec<(RoomIdx, Tile)> = rows
            .iter()
            .flat_map(|rect| rect.tiles())
            .filter(|t| self.is_walkable(*t))
            .filter_map(|t| {
                let room = self.room_at(t)?;
                (self.room(room).kind == RoomKind::Amphitheatre).then_some((room, t))
            })
            .collect();
        seats.sort_by_key(|(room, t)| {
            let rect = self.room(*room).rect;
            // Doubled coordinates keep the middle of an even room integral.
            let middle = 2 * i64::from(rect.x) + i64::from(rect.w) - 1;
            (*room, t.y, (2 * i64::from(t.x) - middle).abs(), t.x)
        });
        seats.dedup();
        seats.into_iter().map(|(_, t)| t).collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::venue::{RoomKind, Venue};
    use std::collections::HashSet;

    #[test]
    fn the_default_amphitheatre_has_rows_of_seats_filled_from_the_front_middle() {
        let v = Venue::default_venue().unwrap();
        let amphi = v.room_by_id("amphi").unwrap();
        assert!(v.seats.len() >= 150, "{} seats", v.seats.len());
        let distinct: HashSet<_> = v.seats.iter().collect();
        assert_eq!(distinct.len(), v.seats.len(), "each seat once");
        for seat in &v.seats {
            assert!(v.is_walkable(*seat));
            assert_eq!(v.room_at(*seat), Some(amphi));
            assert!(!v.stage.unwrap().contains(*seat), "no seat on the stage");
        }
        let (first, second) = (v.seats[0], v.seats[1]);
        assert_eq!(first.y, second.y, "the first row first");
        assert!(v.seats.iter().all(|s| s.y >= first.y), "front row first");
        assert!(first.x.abs_diff(second.x) <= 3, "from the middle outwards");
        assert_eq!(v.room(amphi).kind, RoomKind::Amphitheatre);
    }
}
