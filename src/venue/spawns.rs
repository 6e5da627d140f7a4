//! Spawn points: point objects of class `spawn`, and (from WorkAdventure)
//! start layers and start areas; then the checks that need the grid: on a
//! walkable tile, inside a room the role may enter, every role covered.

use serde_json::Value;

use super::error::{Location, MapError};
use super::load::Geometry;
use super::objects::location;
use super::problems::Problems;
use super::tiled::{Object, property};
use super::{Spawn, Tile, Venue};
use crate::domain::role::Role;

/// Spawn points that came from one place in the map (a spawn object, a start
/// layer, a start area), checked together once the grid exists.
pub(crate) struct SpawnSource {
    pub spawns: Vec<Spawn>,
    pub at: Location,
    /// Drawn as an area or a layer (WorkAdventure): its colliding tiles are
    /// skipped rather than refused.
    pub area: bool,
}

pub(crate) fn read_spawn(o: &Object, geo: Geometry) -> Result<Spawn, MapError> {
    let err = |field: &str, problem: String| Err(MapError::on(location(o), field, problem));
    if !o.point {
        return err("point", "a spawn must be a point object".into());
    }
    let tile_of = |px: f64, size: u32, side: u16| -> Option<u16> {
        let t = (px / f64::from(size)).floor();
        // Finite, non-negative and below the map side: the cast is exact.
        (px.is_finite() && t >= 0.0 && t < f64::from(side)).then_some(t as u16)
    };
    let Some(x) = tile_of(o.x, geo.tile_width, geo.width) else {
        return err("x", format!("{} px is outside the map", o.x));
    };
    let Some(y) = tile_of(o.y, geo.tile_height, geo.height) else {
        return err("y", format!("{} px is outside the map", o.y));
    };
    let role = match property(&o.properties, "role") {
        None => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => match s.parse::<Role>() {
            Ok(role) => Some(role),
            Err(e) => return err("role", e.to_string()),
        },
        Some(other) => return err("role", format!("expected a role name, got {other}")),
    };
    Ok(Spawn {
        tile: Tile::new(x, y),
        role,
    })
}

/// Keeps the spawns that work and reports the others: each stands on a
/// walkable tile inside a room its role may enter, and every role with an
/// avatar has somewhere to appear. Tiles of a start area or layer that
/// collide are skipped (walls drawn over a start zone are common).
pub(crate) fn check_spawns(
    venue: &Venue,
    sources: Vec<SpawnSource>,
    out: &mut Problems,
) -> Vec<Spawn> {
    let mut kept = Vec::new();
    for source in sources {
        let walkable: Vec<Spawn> = if source.area {
            source
                .spawns
                .into_iter()
                .filter(|s| venue.is_walkable(s.tile))
                .collect()
        } else {
            source.spawns
        };
        let Some(first) = walkable.first() else {
            out.error(MapError::at(
                source.at,
                "every tile of this start area collides: move it onto the floor",
            ));
            continue;
        };
        if !source.area && !venue.is_walkable(first.tile) {
            let t = first.tile;
            out.error(MapError::on(
                source.at,
                "x",
                format!(
                    "spawn at tile ({}, {}) is on a colliding tile: move it onto the floor",
                    t.x, t.y
                ),
            ));
            continue;
        }
        if let Some(outside) = walkable.iter().find(|s| venue.room_at(s.tile).is_none()) {
            let t = outside.tile;
            out.error(MapError::on(
                source.at,
                "x",
                format!(
                    "spawn at tile ({}, {}) is outside every room, where nobody could be seen \
                     or heard: move it into a room, or add a hall room that covers it",
                    t.x, t.y
                ),
            ));
            continue;
        }
        if let Some(role) = first.role
            && !venue.admits(first.tile, role)
        {
            out.error(MapError::on(
                source.at,
                "role",
                format!("role '{role}' may not enter the room this spawn is in: move it or change the room's roles"),
            ));
            continue;
        }
        kept.extend(walkable);
    }
    kept
}

/// Every role with an avatar can appear somewhere.
pub(crate) fn check_coverage(venue: &Venue, out: &mut Problems) {
    for role in Role::ALL.into_iter().filter(|r| r.has_avatar()) {
        if venue.spawns_for(role).next().is_none() {
            out.error(MapError::at(
                Location::Map,
                format!(
                    "no spawn point for role '{role}': add a point object of class 'spawn' \
                     (without a 'role' property it serves everyone), a tile layer named \
                     'start', or an area with the property start = true"
                ),
            ));
        }
    }
}
