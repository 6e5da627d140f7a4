//! Object layers → rooms, the stage and spawn points, each checked field by field.
//!
//! Objects without a class are decorations and are ignored; any other class
//! must be a room kind, `stage` or `spawn`.

use std::collections::HashMap;

use serde_json::Value;

use super::error::{Location, MapError};
use super::load::Geometry;
use super::tiled::{Object, property};
use super::{Room, RoomKind, Spawn, Tile, TileRect, Venue};
use crate::domain::role::{Role, RoleSet};

/// Most rooms in one map: bounds the work of building the room table.
const MAX_ROOMS: usize = 4096;

/// Longest room id and label, in characters.
const MAX_ID: usize = 64;
const MAX_LABEL: usize = 100;

/// What the object layers hold, in map order.
pub(crate) struct Read {
    pub rooms: Vec<Room>,
    pub stage: Option<TileRect>,
    /// Spawns with the place they came from, checked once the grid exists.
    pub spawns: Vec<(Spawn, Location)>,
}

fn location(o: &Object) -> Location {
    Location::Object {
        name: o.name.clone(),
        id: o.id,
    }
}

/// Reads every object of every object layer.
pub(crate) fn read(objects: &[&Object], geo: Geometry) -> Result<Read, MapError> {
    let mut rooms: Vec<Room> = Vec::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut stage: Option<(TileRect, &Object)> = None;
    let mut spawns = Vec::new();
    for o in objects {
        let Some((class, class_field)) = o.class() else {
            continue;
        };
        match (class, RoomKind::from_tiled_class(class)) {
            (_, Some(kind)) => {
                let room = read_room(o, kind, geo)?;
                if let Some(first) = ids.insert(room.id.clone(), o.id) {
                    return Err(MapError::on(
                        location(o),
                        "name",
                        format!("room id '{}' is already used by object id {first}", room.id),
                    ));
                }
                if rooms.len() == MAX_ROOMS {
                    return Err(MapError::at(
                        location(o),
                        format!("a map holds at most {MAX_ROOMS} rooms"),
                    ));
                }
                rooms.push(room);
            }
            ("stage", None) => {
                let rect = rect_of(o, geo)?;
                if let Some((_, first)) = stage {
                    return Err(MapError::on(
                        location(o),
                        class_field,
                        format!(
                            "a map has at most one stage; the first is {}",
                            location(first)
                        ),
                    ));
                }
                stage = Some((rect, o));
            }
            ("spawn", None) => spawns.push((read_spawn(o, geo)?, location(o))),
            (other, None) => {
                return Err(MapError::on(
                    location(o),
                    class_field,
                    format!(
                        "unknown class '{other}' (expected amphitheatre, team-table, \
                         mentor-desk, jury-room, hall, stage or spawn; leave it empty \
                         for a decoration)"
                    ),
                ));
            }
        }
    }
    if let Some((rect, o)) = stage {
        let inside = rooms
            .iter()
            .any(|r| r.kind == RoomKind::Amphitheatre && r.rect.contains_rect(&rect));
        if !inside {
            return Err(MapError::on(
                location(o),
                "x",
                "the stage must lie entirely inside an amphitheatre",
            ));
        }
    }
    Ok(Read {
        rooms,
        stage: stage.map(|(rect, _)| rect),
        spawns,
    })
}

fn read_room(o: &Object, kind: RoomKind, geo: Geometry) -> Result<Room, MapError> {
    let err = |field: &str, problem: String| Err(MapError::on(location(o), field, problem));
    let id = o.name.clone();
    if id.is_empty() {
        return err(
            "name",
            "a room needs a name, used as its id (e.g. \"table-01\")".into(),
        );
    }
    let slug = id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug || id.len() > MAX_ID {
        return err(
            "name",
            format!("expected a slug of at most {MAX_ID} characters a-z, 0-9 and '-', got {id:?}"),
        );
    }
    let rect = rect_of(o, geo)?;
    let label = match property(&o.properties, "label") {
        None => id.clone(),
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= MAX_LABEL => {
            s.trim().to_string()
        }
        Some(other) => {
            return err(
                "label",
                format!(
                    "expected a non-empty string of at most {MAX_LABEL} characters, got {other}"
                ),
            );
        }
    };
    let capacity = match property(&o.properties, "capacity") {
        None => None,
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n > 0 => Some(n),
            _ => {
                return err(
                    "capacity",
                    format!("expected an integer greater than 0, got {v}"),
                );
            }
        },
    };
    let roles = match property(&o.properties, "roles") {
        None => kind.default_roles(),
        Some(Value::String(list)) => match RoleSet::parse_list(list) {
            Ok(set) if set.is_empty() => {
                return err("roles", "expected at least one role".into());
            }
            Ok(set) => set,
            Err(e) => return err("roles", e.to_string()),
        },
        Some(other) => {
            return err(
                "roles",
                format!("expected a comma-separated string of roles, got {other}"),
            );
        }
    };
    Ok(Room {
        id,
        label,
        kind,
        rect,
        capacity,
        roles,
    })
}

/// Converts one pixel coordinate to whole tiles, or says why it cannot.
fn to_tiles(o: &Object, field: &str, px: f64, tile: u32) -> Result<u32, MapError> {
    let err = |problem: String| Err(MapError::on(location(o), field, problem));
    if !px.is_finite() || px < 0.0 {
        return err(format!(
            "expected a non-negative number of pixels, got {px}"
        ));
    }
    let tiles = px / f64::from(tile);
    let rounded = tiles.round();
    // Tolerate float noise from editors; real misalignment is a whole pixel or more.
    if (tiles - rounded).abs() > 1e-3 {
        return err(format!(
            "{px} px is not aligned to the {tile} px tile grid (enable Snap to Grid in Tiled)"
        ));
    }
    if rounded > f64::from(u16::MAX) {
        return err(format!("{px} px is far outside the map"));
    }
    // In range and integral: the cast is exact.
    Ok(rounded as u32)
}

/// The tile rectangle of a rectangle object, aligned and inside the map.
fn rect_of(o: &Object, geo: Geometry) -> Result<TileRect, MapError> {
    let err = |field: &str, problem: String| Err(MapError::on(location(o), field, problem));
    let shape = if o.point {
        Some("point")
    } else if o.ellipse {
        Some("ellipse")
    } else if o.polygon.is_some() {
        Some("polygon")
    } else if o.polyline.is_some() {
        Some("polyline")
    } else {
        None
    };
    if let Some(shape) = shape {
        return err(shape, format!("expected a rectangle, got a {shape}"));
    }
    if o.rotation != 0.0 {
        return err(
            "rotation",
            format!("expected no rotation, got {}", o.rotation),
        );
    }
    let x = to_tiles(o, "x", o.x, geo.tile_width)?;
    let y = to_tiles(o, "y", o.y, geo.tile_height)?;
    let w = to_tiles(o, "width", o.width, geo.tile_width)?;
    let h = to_tiles(o, "height", o.height, geo.tile_height)?;
    if w == 0 {
        return err("width", "expected a width of at least one tile".into());
    }
    if h == 0 {
        return err("height", "expected a height of at least one tile".into());
    }
    if x + w > u32::from(geo.width) {
        return err(
            "width",
            format!(
                "tiles {x}..{} go past the map's right edge ({} tiles)",
                x + w,
                geo.width
            ),
        );
    }
    if y + h > u32::from(geo.height) {
        return err(
            "height",
            format!(
                "tiles {y}..{} go past the map's bottom edge ({} tiles)",
                y + h,
                geo.height
            ),
        );
    }
    // All four are at most the map size, which fits in u16.
    let t = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
    Ok(TileRect {
        x: t(x),
        y: t(y),
        w: t(w),
        h: t(h),
    })
}

fn read_spawn(o: &Object, geo: Geometry) -> Result<Spawn, MapError> {
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

/// Every spawn stands on a walkable tile its role may be in, and every role
/// with an avatar has somewhere to appear.
pub(crate) fn check_spawns(venue: &Venue, spawns: &[(Spawn, Location)]) -> Result<(), MapError> {
    for (spawn, at) in spawns {
        let t = spawn.tile;
        if !venue.is_walkable(t) {
            return Err(MapError::on(
                at.clone(),
                "x",
                format!("spawn at tile ({}, {}) is on a colliding tile", t.x, t.y),
            ));
        }
        if let Some(role) = spawn.role
            && !venue.admits(t, role)
        {
            return Err(MapError::on(
                at.clone(),
                "role",
                format!("role '{role}' may not enter the room this spawn is in"),
            ));
        }
    }
    for role in Role::ALL.into_iter().filter(|r| r.has_avatar()) {
        if venue.spawns_for(role).next().is_none() {
            return Err(MapError::at(
                Location::Map,
                format!(
                    "no spawn point for role '{role}': add a point object of class \
                     'spawn' (without a 'role' property it serves everyone)"
                ),
            ));
        }
    }
    Ok(())
}
