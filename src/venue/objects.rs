//! Object layers → rooms, the stage and the amphitheatre's seats, each
//! checked field by field, and the spawn points they hold (read in
//! `spawns.rs`).
//!
//! Objects without a class are decorations and are ignored; so are objects
//! whose class Amphi does not use (WorkAdventure's `area`, `website`, ...),
//! listed in one warning. A rectangle becomes a room by its class or by the
//! `amphi-room` property (`workadventure.rs` has the other WorkAdventure
//! conventions). Every problem is collected; none stops the others.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::error::{Location, MapError};
use super::load::Geometry;
use super::problems::Problems;
use super::rects::rect_of;
use super::spawns::{SpawnSource, read_spawn};
use super::tiled::{Object, property};
use super::{Room, RoomKind, Spawn, TileRect, workadventure};
use crate::domain::role::RoleSet;

/// Most rooms in one map: bounds the work of building the room table.
const MAX_ROOMS: usize = 4096;

/// Longest room id and label, in characters.
const MAX_ID: usize = 64;
const MAX_LABEL: usize = 100;

/// The property that makes any rectangle a room: its value is the room kind.
pub(crate) const ROOM_PROPERTY: &str = "amphi-room";

/// What the object layers hold, in map order.
pub(crate) struct Read {
    pub rooms: Vec<Room>,
    pub stage: Option<TileRect>,
    /// Rows of seats (class `seats`), each inside an amphitheatre.
    pub seats: Vec<TileRect>,
    pub spawns: Vec<SpawnSource>,
}

pub(crate) fn location(o: &Object) -> Location {
    Location::Object {
        name: o.name.clone(),
        id: o.id,
    }
}

/// Reads every object of every object layer, collecting each problem.
pub(crate) fn read(objects: &[&Object], geo: Geometry, out: &mut Problems) -> Read {
    let mut rooms: Vec<Room> = Vec::new();
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut stage: Option<(TileRect, &Object)> = None;
    let mut seats: Vec<(TileRect, &Object)> = Vec::new();
    let mut spawns = Vec::new();
    let mut decorations: BTreeMap<&str, usize> = BTreeMap::new();
    for o in objects {
        let class = o.class();
        if workadventure::is_start_area(o) {
            match rect_of(o, geo, out) {
                Ok(rect) => spawns.push(SpawnSource {
                    spawns: rect
                        .tiles()
                        .map(|tile| Spawn { tile, role: None })
                        .collect(),
                    at: location(o),
                    area: true,
                }),
                Err(e) => out.error(e),
            }
        }
        let kind = match property(&o.properties, ROOM_PROPERTY) {
            Some(Value::String(k)) => match RoomKind::from_tiled_class(k.trim()) {
                Some(kind) => Some((kind, true)),
                None => {
                    out.error(MapError::on(
                        location(o),
                        ROOM_PROPERTY,
                        format!("unknown room kind {k:?} (expected {})", kinds_list()),
                    ));
                    continue;
                }
            },
            Some(other) => {
                out.error(MapError::on(
                    location(o),
                    ROOM_PROPERTY,
                    format!("expected a room kind as a string, got {other}"),
                ));
                continue;
            }
            None => class
                .and_then(|(c, _)| RoomKind::from_tiled_class(c))
                .map(|k| (k, false)),
        };
        if let Some((kind, by_property)) = kind {
            let Some(room) = read_room(o, kind, by_property, geo, out) else {
                continue;
            };
            if let Some(first) = ids.insert(room.id.clone(), o.id) {
                out.error(MapError::on(
                    location(o),
                    "name",
                    format!(
                        "room id '{}' is already used by object id {first}; give each room its own name",
                        room.id
                    ),
                ));
            } else if rooms.len() == MAX_ROOMS {
                out.error(MapError::at(
                    location(o),
                    format!("a map holds at most {MAX_ROOMS} rooms"),
                ));
            } else {
                rooms.push(room);
            }
            continue;
        }
        let Some((class, class_field)) = class else {
            continue;
        };
        match class {
            "stage" => match rect_of(o, geo, out) {
                Ok(rect) => {
                    if let Some((_, first)) = stage {
                        out.error(MapError::on(
                            location(o),
                            class_field,
                            format!(
                                "a map has at most one stage; the first is {}",
                                location(first)
                            ),
                        ));
                    } else {
                        stage = Some((rect, o));
                    }
                }
                Err(e) => out.error(e),
            },
            "seats" => match rect_of(o, geo, out) {
                Ok(rect) => seats.push((rect, o)),
                Err(e) => out.error(e),
            },
            "spawn" => match read_spawn(o, geo) {
                Ok(spawn) => spawns.push(SpawnSource {
                    spawns: vec![spawn],
                    at: location(o),
                    area: false,
                }),
                Err(e) => out.error(e),
            },
            other => *decorations.entry(other).or_default() += 1,
        }
    }
    if !decorations.is_empty() {
        let total: usize = decorations.values().sum();
        let list: Vec<String> = decorations
            .iter()
            .map(|(class, n)| format!("{class} ({n})"))
            .collect();
        out.warn(format!(
            "{total} object(s) of classes Amphi does not use are kept as decoration: {}. \
             To make one a room, give it the property {ROOM_PROPERTY} (e.g. team-table)",
            list.join(", ")
        ));
    }
    let in_amphitheatre = |rect: &TileRect| {
        rooms
            .iter()
            .any(|r| r.kind == RoomKind::Amphitheatre && r.rect.contains_rect(rect))
    };
    if let Some((rect, o)) = stage
        && !in_amphitheatre(&rect)
    {
        out.error(MapError::on(
            location(o),
            "x",
            "the stage must lie entirely inside an amphitheatre: move it or enlarge the amphitheatre",
        ));
    }
    for (rect, o) in &seats {
        if !in_amphitheatre(rect) {
            out.error(MapError::on(
                location(o),
                "x",
                "seats must lie entirely inside an amphitheatre: move them or enlarge the amphitheatre",
            ));
        }
    }
    Read {
        rooms,
        stage: stage.map(|(rect, _)| rect),
        seats: seats.into_iter().map(|(rect, _)| rect).collect(),
        spawns,
    }
}

fn kinds_list() -> String {
    RoomKind::ALL.map(RoomKind::tiled_class).join(", ")
}

/// A room id from an object name that is not a slug: lowercase ASCII letters
/// and digits, other runs turned into one '-'.
fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    trimmed
        .chars()
        .take(MAX_ID)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// A room from an object, or `None` with every problem of the object
/// recorded (name, rectangle, label, capacity and roles are all checked).
fn read_room(
    o: &Object,
    kind: RoomKind,
    by_property: bool,
    geo: Geometry,
    out: &mut Problems,
) -> Option<Room> {
    let id = room_id(o, by_property);
    let rect = rect_of(o, geo, out);
    let label = room_label(o, by_property);
    let capacity = room_capacity(o);
    let roles = room_roles(o, kind);
    match (id, rect, label, capacity, roles) {
        (Ok(id), Ok(rect), Ok(label), Ok(capacity), Ok(roles)) => Some(Room {
            id,
            label,
            kind,
            rect,
            capacity,
            roles,
        }),
        (id, rect, label, capacity, roles) => {
            let errors = [
                id.err(),
                rect.err(),
                label.err(),
                capacity.err(),
                roles.err(),
            ];
            for e in errors.into_iter().flatten() {
                out.error(e);
            }
            None
        }
    }
}

fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The room id: the object's name. A room made by the property may keep its
/// WorkAdventure name ("Meeting room 1"): its id is derived from it.
fn room_id(o: &Object, by_property: bool) -> Result<String, MapError> {
    let err = |problem: String| Err(MapError::on(location(o), "name", problem));
    let id = if by_property && !is_slug(&o.name) {
        slugify(&o.name)
    } else {
        o.name.clone()
    };
    if id.is_empty() {
        return err(
            "a room needs a name, used as its id (e.g. \"table-01\"): set the object's name".into(),
        );
    }
    if !is_slug(&id) {
        return err(format!(
            "expected a slug of at most {MAX_ID} characters a-z, 0-9 and '-', got {id:?}: \
             rename the object (e.g. {:?})",
            slugify(&id)
        ));
    }
    Ok(id)
}

/// The `label` property, or the name (which the id may be derived from).
fn room_label(o: &Object, by_property: bool) -> Result<String, MapError> {
    match property(&o.properties, "label") {
        None if by_property => Ok(o.name.trim().to_string()),
        None => Ok(o.name.clone()),
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= MAX_LABEL => {
            Ok(s.trim().to_string())
        }
        Some(other) => Err(MapError::on(
            location(o),
            "label",
            format!("expected a non-empty string of at most {MAX_LABEL} characters, got {other}"),
        )),
    }
}

fn room_capacity(o: &Object) -> Result<Option<u32>, MapError> {
    let Some(v) = property(&o.properties, "capacity") else {
        return Ok(None);
    };
    match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
        Some(n) if n > 0 => Ok(Some(n)),
        _ => Err(MapError::on(
            location(o),
            "capacity",
            format!("expected an integer greater than 0, got {v}"),
        )),
    }
}

fn room_roles(o: &Object, kind: RoomKind) -> Result<RoleSet, MapError> {
    let err = |problem: String| Err(MapError::on(location(o), "roles", problem));
    match property(&o.properties, "roles") {
        None => Ok(kind.default_roles()),
        Some(Value::String(list)) => match RoleSet::parse_list(list) {
            Ok(set) if set.is_empty() => err("expected at least one role".into()),
            Ok(set) => Ok(set),
            Err(e) => err(e.to_string()),
        },
        Some(other) => err(format!(
            "expected a comma-separated string of roles, got {other}"
        )),
    }
}
