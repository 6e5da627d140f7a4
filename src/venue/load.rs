//! Tiled map text → [`Venue`]: map checks, tilesets and tile layers.
//!
//! Object layers (rooms, stage, spawns) are read in `objects.rs`; this file
//! drives the load, turns tile layers into the collision table, and builds
//! the map clients draw (every layer as a plain gid array, every tileset
//! embedded). Every problem is collected, so one report lists them all.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::error::{Location, MapError};
use super::objects;
use super::problems::Problems;
use super::spawns::{self, SpawnSource};
use super::tiled::{self, Layer, Object, TileLayer, TiledMap};
use super::tilesets::{TilesetFile, Tilesets};
use super::{Spawn, Venue, grid::Grid, layer_data, tmx, workadventure};

/// Largest map we load, in tiles: bounds memory and pathfinding work.
const MAX_TILES: u32 = 1 << 20;

/// Tiled keeps flip and rotation flags in the top four bits of a gid.
const GID_FLAGS: u32 = 0xF000_0000;

/// Reads a file next to the map: gets its path relative to the map's folder
/// (`../tilesets/a.tsx`) and returns its text, or why it cannot.
pub(crate) type Resolver<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// The map size and tile size, as validated numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    pub width: u16,
    pub height: u16,
    pub tile_width: u32,
    pub tile_height: u32,
}

/// How the map text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapFormat {
    /// `.tmj` / `.json`.
    Json,
    /// `.tmx`.
    Xml,
}

impl MapFormat {
    /// The format a file name says (`.tmx` is XML; anything else JSON).
    pub fn of_path(path: &str) -> MapFormat {
        if path.to_ascii_lowercase().ends_with(".tmx") {
            MapFormat::Xml
        } else {
            MapFormat::Json
        }
    }
}

/// Everything loading a map found: the venue (when nothing is wrong), every
/// problem, warnings, the tilesets, and the map as clients draw it.
#[derive(Debug)]
pub struct MapReport {
    /// The venue, present exactly when `problems` is empty.
    pub venue: Option<Venue>,
    /// Why the map is refused, each naming its place and field.
    pub problems: Vec<MapError>,
    /// What was adjusted or ignored; the map still loads.
    pub warnings: Vec<String>,
    pub tilesets: Vec<TilesetFile>,
    /// The map for clients: orthogonal Tiled JSON whose tile layers are gid
    /// arrays (each with `above` when drawn over avatars) and whose tilesets
    /// are embedded, with `image` relative to the map's folder.
    pub drawable: Option<Value>,
}

impl Venue {
    /// Loads a map whose tilesets are all embedded.
    ///
    /// The server's default path: a single file, nothing to resolve. A map with
    /// an external tileset is refused with an error pointing to
    /// [`Venue::from_tmj_with`]. Returns the first problem.
    pub fn from_tmj(text: &str) -> Result<Venue, MapError> {
        first_problem(load(text, MapFormat::Json, None))
    }

    /// Loads a map, reading external tilesets (`{"firstgid":1,"source":"x.tsj"}`)
    /// through `load_tileset`, which gets `source` relative to the map's
    /// folder and returns the file's text. Returns the first problem.
    ///
    /// Keeps the venue pure: the caller decides where files come from.
    pub fn from_tmj_with(
        text: &str,
        load_tileset: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<Venue, MapError> {
        first_problem(load(text, MapFormat::Json, Some(load_tileset)))
    }

    /// Loads a map in either format, collecting every problem and warning.
    /// `read_file` gets paths relative to the map's folder.
    pub fn load_report(
        text: &str,
        format: MapFormat,
        read_file: &dyn Fn(&str) -> Result<String, String>,
    ) -> MapReport {
        load(text, format, Some(read_file))
    }
}

fn first_problem(report: MapReport) -> Result<Venue, MapError> {
    match (report.venue, report.problems.into_iter().next()) {
        (Some(venue), None) => Ok(venue),
        (_, Some(err)) => Err(err),
        (None, None) => Err(MapError::at(Location::Map, "the map could not be loaded")),
    }
}

/// A tile layer in drawing order, with what its groups give it.
struct FlatLayer<'m> {
    layer: &'m TileLayer,
    opacity: f64,
    visible: bool,
    above: bool,
}

fn load(text: &str, format: MapFormat, resolver: Option<Resolver<'_>>) -> MapReport {
    let mut out = Problems::default();
    let mut report = MapReport {
        venue: None,
        problems: Vec::new(),
        warnings: Vec::new(),
        tilesets: Vec::new(),
        drawable: None,
    };
    let parsed = match format {
        MapFormat::Json => serde_json::from_str::<TiledMap>(text).map_err(|e| MapError::json(&e)),
        MapFormat::Xml => tmx::parse_map(text),
    };
    let map = match parsed {
        Ok(map) => map,
        Err(e) => {
            report.problems.push(e);
            return report;
        }
    };
    let Some(geo) = check_map(&map, &mut out) else {
        report.problems = out.errors;
        return report;
    };
    let (tilesets, drawn_tilesets) =
        Tilesets::resolve(&map.tilesets, resolver, &mut out, &mut report.tilesets);

    let mut flat = Vec::new();
    let mut objects: Vec<&Object> = Vec::new();
    let mut after_floor = false;
    flatten(
        &map.layers,
        1.0,
        true,
        false,
        &mut after_floor,
        &mut flat,
        &mut objects,
    );

    let tiles = usize::from(geo.width) * usize::from(geo.height);
    let mut blocked = vec![false; tiles];
    let mut spawns: Vec<SpawnSource> = Vec::new();
    let mut drawn_layers = Vec::new();
    for l in &flat {
        let Some(gids) = read_layer(l.layer, geo, &tilesets, &mut blocked, &mut out) else {
            continue;
        };
        if workadventure::is_start_layer(&l.layer.name, &l.layer.properties) {
            let width = usize::from(geo.width);
            let starts: Vec<Spawn> = gids
                .iter()
                .enumerate()
                .filter(|(_, g)| **g & !GID_FLAGS != 0)
                .filter_map(|(i, _)| {
                    let x = u16::try_from(i % width).ok()?;
                    let y = u16::try_from(i / width).ok()?;
                    Some(Spawn {
                        tile: super::Tile::new(x, y),
                        role: None,
                    })
                })
                .collect();
            if !starts.is_empty() {
                spawns.push(SpawnSource {
                    spawns: starts,
                    at: Location::Layer(l.layer.name.clone()),
                    area: true,
                });
            }
        }
        let mut properties = Vec::new();
        if tiled::flag(&l.layer.properties, "collides") {
            properties.push(json!({"name": "collides", "type": "bool", "value": true}));
        }
        drawn_layers.push(json!({
            "type": "tilelayer",
            "name": l.layer.name,
            "width": geo.width,
            "height": geo.height,
            "opacity": l.opacity,
            "visible": l.visible,
            "above": l.above,
            "properties": properties,
            "data": gids,
        }));
    }

    let read = objects::read(&objects, geo, &mut out);
    spawns.extend(read.spawns);
    if read.rooms.is_empty() {
        out.error(MapError::at(
            Location::Map,
            "the map has no room, so nobody could be placed: draw a rectangle of class 'hall' \
             over the walkable part of the map (or give an area the property amphi-room = hall), \
             then the rooms the event needs (see docs/maps.md)",
        ));
    }
    report.drawable = Some(json!({
        "type": "map",
        "orientation": "orthogonal",
        "infinite": false,
        "width": geo.width,
        "height": geo.height,
        "tilewidth": geo.tile_width,
        "tileheight": geo.tile_height,
        "backgroundcolor": map.backgroundcolor,
        "tilesets": drawn_tilesets,
        "layers": drawn_layers,
    }));
    if !read.rooms.is_empty() {
        let grid = Grid::new(geo.width, geo.height, blocked, &read.rooms);
        let by_id: HashMap<String, _> = read
            .rooms
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    r.id.clone(),
                    super::RoomIdx(u16::try_from(i).unwrap_or(u16::MAX)),
                )
            })
            .collect();
        let mut venue = Venue {
            width: geo.width,
            height: geo.height,
            tile_width: geo.tile_width,
            tile_height: geo.tile_height,
            rooms: read.rooms,
            spawns: Vec::new(),
            stage: read.stage,
            seats: Vec::new(),
            grid,
            by_id,
        };
        venue.seats = venue.seats_of(&read.seats);
        venue.spawns = spawns::check_spawns(&venue, spawns, &mut out);
        spawns::check_coverage(&venue, &mut out);
        if out.is_clean() {
            report.venue = Some(venue);
        }
    }
    report.problems = out.errors;
    report.warnings = out.warnings;
    report
}

/// Tile layers in drawing order and all objects, descending into groups.
fn flatten<'m>(
    layers: &'m [Layer],
    opacity: f64,
    visible: bool,
    above: bool,
    after_floor: &mut bool,
    flat: &mut Vec<FlatLayer<'m>>,
    objects: &mut Vec<&'m Object>,
) {
    for layer in layers {
        match layer {
            Layer::Tiles(tl) => flat.push(FlatLayer {
                layer: tl,
                opacity: opacity * tl.opacity.unwrap_or(1.0),
                visible: visible && tl.visible.unwrap_or(true),
                above: above || *after_floor || workadventure::is_above(&tl.properties),
            }),
            Layer::Objects(og) => {
                if og.name == workadventure::FLOOR_LAYER {
                    *after_floor = true;
                }
                objects.extend(og.objects.iter());
            }
            Layer::Group(g) => flatten(
                &g.layers,
                opacity * g.opacity.unwrap_or(1.0),
                visible && g.visible.unwrap_or(true),
                above || workadventure::is_above(&g.properties),
                after_floor,
                flat,
                objects,
            ),
            Layer::Image {} => {}
        }
    }
}

/// Orthogonal, finite, of a sane size, with non-zero tiles.
fn check_map(map: &TiledMap, out: &mut Problems) -> Option<Geometry> {
    let before = out.errors.len();
    let mut err =
        |field: &str, problem: String| out.error(MapError::on(Location::Map, field, problem));
    if map.orientation != "orthogonal" {
        err(
            "orientation",
            format!(
                "only orthogonal maps are supported, got {:?}: Amphi's venues are drawn \
                 on a square grid; start from an orthogonal map",
                map.orientation
            ),
        );
    }
    if map.infinite {
        err(
            "infinite",
            "infinite maps are not supported: in Tiled, uncheck Map > Map Properties > \
             Infinite (the map is cropped to its tiles)"
                .into(),
        );
    }
    let mut side = |field: &str, v: u32| match u16::try_from(v) {
        Ok(v) if v > 0 => v,
        _ => {
            err(field, format!("expected 1 to {} tiles, got {v}", u16::MAX));
            0
        }
    };
    let (width, height) = (side("width", map.width), side("height", map.height));
    if u32::from(width) * u32::from(height) > MAX_TILES {
        err(
            "width",
            format!(
                "map of {width}×{height} tiles is larger than {MAX_TILES} tiles: split the venue"
            ),
        );
    }
    if map.tilewidth == 0 {
        err("tilewidth", "expected a tile width greater than 0".into());
    }
    if map.tileheight == 0 {
        err("tileheight", "expected a tile height greater than 0".into());
    }
    (out.errors.len() == before).then_some(Geometry {
        width,
        height,
        tile_width: map.tilewidth,
        tile_height: map.tileheight,
    })
}

/// A tile layer's gids, after marking its colliding tiles in `blocked`; `None`
/// (with the problem recorded) when the layer cannot be read.
fn read_layer(
    layer: &TileLayer,
    geo: Geometry,
    tilesets: &Tilesets,
    blocked: &mut [bool],
    out: &mut Problems,
) -> Option<Vec<u32>> {
    let here = || Location::Layer(layer.name.clone());
    if layer.width != u32::from(geo.width) || layer.height != u32::from(geo.height) {
        out.error(MapError::on(
            here(),
            "width",
            format!(
                "layer is {}×{} tiles but the map is {}×{}: resize the layer (Layer > Layer Properties)",
                layer.width, layer.height, geo.width, geo.height
            ),
        ));
        return None;
    }
    let gids = match layer_data::gids(layer, blocked.len()) {
        Ok(gids) => gids,
        Err(e) => {
            out.error(e);
            return None;
        }
    };
    if gids.len() != blocked.len() {
        out.error(MapError::on(
            here(),
            "data",
            format!("expected {} tiles, got {}", blocked.len(), gids.len()),
        ));
        return None;
    }
    let whole_layer_collides = tiled::flag(&layer.properties, "collides");
    let width = usize::from(geo.width);
    let mut strays = Vec::new();
    for (i, (raw, cell)) in gids.iter().zip(blocked.iter_mut()).enumerate() {
        let gid = raw & !GID_FLAGS;
        if gid == 0 {
            continue;
        }
        let Some((ts, local)) = tilesets.lookup(gid) else {
            strays.push((gid, i));
            continue;
        };
        if !ts.unknown && (whole_layer_collides || ts.colliding.contains(&local)) {
            *cell = true;
        }
    }
    if let Some((gid, i)) = strays.first() {
        out.error(MapError::on(
            here(),
            "data",
            format!(
                "gid {gid} at tile ({}, {}) belongs to no tileset ({} such tile(s) in this layer): \
                 add the missing tileset or erase those tiles",
                i % width,
                i / width,
                strays.len()
            ),
        ));
    }
    Some(gids)
}

#[cfg(test)]
mod formats_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod workadventure_tests;
