//! The venue: a Tiled map turned into rooms, a collision grid and spawn points.
//!
//! Pure: no IO. The loader takes the map text (and a resolver for external
//! tilesets) and returns a [`Venue`] or a [`MapError`] naming the object and field.
//!
//! # Layout
//!
//! - `geom.rs`: [`Tile`] and [`TileRect`], the units of every query.
//! - `room.rs`: [`Room`], [`RoomKind`], [`RoomIdx`], [`Spawn`].
//! - `error.rs`: [`MapError`] and its [`Location`].
//! - `tiled.rs`: serde mirror of the Tiled JSON subset we read; `tmx.rs`: the
//!   XML formats (`.tmx`, `.tsx`) into the same types.
//! - `layer_data.rs`: tile layer gids from CSV, base64 and compressed base64.
//! - `paths.rs`: file paths inside a map, relative to the map's folder.
//! - `load.rs`: the load, map checks, tilesets, tile layers → collision, and
//!   the map clients draw ([`MapReport`]); `objects.rs`: rooms and the stage
//!   from object layers, `rects.rs` their rectangles, `spawns.rs` spawn
//!   points, `seats.rs` the amphitheatre's seats; `workadventure.rs`:
//!   WorkAdventure conventions.
//! - `tilesets.rs`: embedded and external tilesets, for collision and drawing.
//! - `problems.rs`: every problem and warning of one load, gathered.
//! - `grid.rs`: per-tile collision and room tables (O(1) lookups).
//! - `path.rs`: entry tiles and 4-connected pathfinding.
//! - `default_map.rs`: the embedded default venue (`assets/maps/default.tmj`).
//!
//! The format rules for map designers are in `docs/maps.md`.

mod base64;
mod default_map;
mod error;
mod geom;
mod grid;
mod layer_data;
mod load;
mod objects;
mod path;
mod paths;
mod problems;
mod rects;
mod room;
mod seats;
mod spawns;
mod tiled;
mod tilesets;
mod tmx;
mod workadventure;

#[cfg(test)]
mod test_map;

pub use error::{Location, MapError};
pub use geom::{Tile, TileRect};
pub use load::{MapFormat, MapReport};
pub(crate) use paths::join as join_path;
pub use room::{Room, RoomIdx, RoomKind, Spawn};
pub use tilesets::TilesetFile;

use crate::domain::role::Role;
use serde::Serialize;
use std::collections::HashMap;

/// A loaded, validated venue: the map every avatar of an event walks on.
///
/// Immutable once loaded and `Send + Sync`, so an event shares it in an `Arc`.
/// Serializes to what a client needs to draw rooms (not the collision grid).
#[derive(Debug, Clone, Serialize)]
pub struct Venue {
    /// Map width in tiles.
    pub width: u16,
    /// Map height in tiles.
    pub height: u16,
    /// Tile width in pixels, for clients drawing the tileset.
    pub tile_width: u32,
    /// Tile height in pixels.
    pub tile_height: u32,
    /// Rooms in map order; [`RoomIdx`] indexes this.
    pub rooms: Vec<Room>,
    /// Where avatars appear on joining.
    #[serde(skip)]
    pub spawns: Vec<Spawn>,
    /// The stage of the amphitheatre, where speakers stand, if the map has one.
    pub stage: Option<TileRect>,
    /// The amphitheatre's seats, in the order they are given to summoned
    /// people: rows in map order, each from its middle outwards. Only
    /// walkable tiles of an amphitheatre are seats.
    #[serde(skip)]
    pub seats: Vec<Tile>,
    #[serde(skip)]
    grid: grid::Grid,
    #[serde(skip)]
    by_id: HashMap<String, RoomIdx>,
}

impl Venue {
    /// A tile from untrusted coordinates (a client message), if inside the map.
    pub fn tile(&self, x: i64, y: i64) -> Option<Tile> {
        let x = u16::try_from(x).ok().filter(|x| *x < self.width)?;
        let y = u16::try_from(y).ok().filter(|y| *y < self.height)?;
        Some(Tile::new(x, y))
    }

    /// Whether an avatar may stand here: inside the map and no colliding tile
    /// on any layer.
    pub fn is_walkable(&self, t: Tile) -> bool {
        self.grid.is_walkable(t)
    }

    /// The room a tile belongs to: the smallest room containing it (ties: first
    /// in map order). O(1).
    pub fn room_at(&self, t: Tile) -> Option<RoomIdx> {
        self.grid.room_at(t)
    }

    /// The room at an index from this venue.
    ///
    /// # Panics
    /// If `idx` did not come from this venue (a programming error, never input).
    pub fn room(&self, idx: RoomIdx) -> &Room {
        &self.rooms[usize::from(idx.0)]
    }

    /// The room with this id (slug), e.g. from a teleport command.
    pub fn room_by_id(&self, id: &str) -> Option<RoomIdx> {
        self.by_id.get(id).copied()
    }

    /// Every room index, in map order.
    pub fn room_indices(&self) -> impl Iterator<Item = RoomIdx> + use<> {
        (0..u16::try_from(self.rooms.len()).unwrap_or(u16::MAX)).map(RoomIdx)
    }

    /// Spawn tiles for a role: spawns for that role or for anyone, whose room
    /// admits the role. The loader guarantees at least one for every role that
    /// has an avatar.
    pub fn spawns_for(&self, role: Role) -> impl Iterator<Item = Tile> + '_ {
        self.spawns
            .iter()
            .filter(move |s| s.serves(role) && self.admits(s.tile, role))
            .map(|s| s.tile)
    }

    /// Whether the room at this tile (if any) lets this role in.
    pub fn admits(&self, t: Tile, role: Role) -> bool {
        self.room_at(t)
            .is_none_or(|r| self.room(r).roles.contains(role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn venue_is_shareable() {
        assert_send_sync::<Venue>();
    }

    #[test]
    fn tile_checks_bounds_of_untrusted_numbers() {
        let venue = test_map::load(test_map::base()).unwrap();
        assert_eq!(venue.tile(0, 0), Some(Tile::new(0, 0)));
        assert_eq!(venue.tile(9, 7), Some(Tile::new(9, 7)));
        assert_eq!(venue.tile(10, 0), None);
        assert_eq!(venue.tile(0, 8), None);
        assert_eq!(venue.tile(-1, 0), None);
        assert_eq!(venue.tile(i64::MAX, 0), None);
    }

    #[test]
    fn serializes_rooms_without_the_grid() {
        let venue = test_map::load(test_map::base()).unwrap();
        let json = serde_json::to_value(&venue).unwrap();
        assert_eq!(json["width"], 10);
        assert_eq!(json["tile_width"], 32);
        assert_eq!(json["rooms"][1]["kind"], "jury_room");
        assert_eq!(
            json["rooms"][1]["roles"],
            serde_json::json!(["moderator", "jury"])
        );
        assert_eq!(
            json["rooms"][1]["rect"],
            serde_json::json!({"x":6,"y":2,"w":4,"h":3})
        );
        assert!(json.get("grid").is_none());
        assert!(json["stage"].is_null());
    }
}
