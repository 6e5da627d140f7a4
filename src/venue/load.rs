//! Tiled map text → [`Venue`]: map checks, tilesets and tile layers.
//!
//! Object layers (rooms, stage, spawns) are read in `objects.rs`; this file
//! drives the load and turns tile layers into the collision table.

use std::collections::{HashMap, HashSet};

use super::error::{Location, MapError};
use super::objects;
use super::tiled::{self, Layer, LayerData, Object, TileLayer, TiledMap, Tileset};
use super::{Venue, base64, grid::Grid};

/// Largest map we load, in tiles: bounds memory and pathfinding work.
const MAX_TILES: u32 = 1 << 20;

/// Tiled keeps flip and rotation flags in the top four bits of a gid.
const GID_FLAGS: u32 = 0xF000_0000;

/// Resolves the `source` of an external tileset to its `.tsj` text.
pub(crate) type Resolver<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// The map size and tile size, as validated numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geometry {
    pub width: u16,
    pub height: u16,
    pub tile_width: u32,
    pub tile_height: u32,
}

impl Venue {
    /// Loads a map whose tilesets are all embedded.
    ///
    /// The server's default path: a single file, nothing to resolve. A map with
    /// an external tileset is refused with an error pointing to
    /// [`Venue::from_tmj_with`].
    pub fn from_tmj(text: &str) -> Result<Venue, MapError> {
        load(text, None)
    }

    /// Loads a map, reading external tilesets (`{"firstgid":1,"source":"x.tsj"}`)
    /// through `load_tileset`, which gets `source` as written in the map
    /// (relative to the map's folder) and returns the file's text.
    ///
    /// Keeps the venue pure: the caller decides where files come from.
    pub fn from_tmj_with(
        text: &str,
        load_tileset: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<Venue, MapError> {
        load(text, Some(load_tileset))
    }
}

fn load(text: &str, resolver: Option<Resolver<'_>>) -> Result<Venue, MapError> {
    let map: TiledMap = serde_json::from_str(text).map_err(|e| MapError::json(&e))?;
    let geo = check_map(&map)?;
    let tilesets = Tilesets::resolve(&map.tilesets, resolver)?;

    let mut blocked = vec![false; usize::from(geo.width) * usize::from(geo.height)];
    let mut objects: Vec<&Object> = Vec::new();
    walk_layers(&map.layers, geo, &tilesets, &mut blocked, &mut objects)?;

    let read = objects::read(&objects, geo)?;
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
    let venue = Venue {
        width: geo.width,
        height: geo.height,
        tile_width: geo.tile_width,
        tile_height: geo.tile_height,
        rooms: read.rooms,
        spawns: read.spawns.iter().map(|(s, _)| *s).collect(),
        stage: read.stage,
        grid,
        by_id,
    };
    objects::check_spawns(&venue, &read.spawns)?;
    Ok(venue)
}

/// Orthogonal, finite, of a sane size, with non-zero tiles.
fn check_map(map: &TiledMap) -> Result<Geometry, MapError> {
    let err = |field: &str, problem: String| MapError::on(Location::Map, field, problem);
    if map.orientation != "orthogonal" {
        return Err(err(
            "orientation",
            format!(
                "only orthogonal maps are supported, got {:?}",
                map.orientation
            ),
        ));
    }
    if map.infinite {
        return Err(err(
            "infinite",
            "infinite maps are not supported; in Tiled, uncheck Map > Map Properties > Infinite"
                .into(),
        ));
    }
    let side = |field: &str, v: u32| match u16::try_from(v) {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(err(
            field,
            format!("expected 1 to {} tiles, got {v}", u16::MAX),
        )),
    };
    let (width, height) = (side("width", map.width)?, side("height", map.height)?);
    if u32::from(width) * u32::from(height) > MAX_TILES {
        return Err(err(
            "width",
            format!("map of {width}×{height} tiles is larger than {MAX_TILES} tiles"),
        ));
    }
    if map.tilewidth == 0 {
        return Err(err(
            "tilewidth",
            "expected a tile width greater than 0".into(),
        ));
    }
    if map.tileheight == 0 {
        return Err(err(
            "tileheight",
            "expected a tile height greater than 0".into(),
        ));
    }
    Ok(Geometry {
        width,
        height,
        tile_width: map.tilewidth,
        tile_height: map.tileheight,
    })
}

/// One tileset, reduced to what collision needs.
struct Resolved {
    firstgid: u32,
    tilecount: u32,
    colliding: HashSet<u32>,
}

/// All tilesets of the map, sorted by `firstgid` for gid lookup.
struct Tilesets(Vec<Resolved>);

impl Tilesets {
    fn resolve(
        refs: &[tiled::TilesetRef],
        resolver: Option<Resolver<'_>>,
    ) -> Result<Self, MapError> {
        let mut out = Vec::with_capacity(refs.len());
        for r in refs {
            let external;
            let (name, tileset) = match &r.source {
                None => (r.embedded.name.clone(), &r.embedded),
                Some(source) => {
                    external = read_external(source, resolver)?;
                    (source.clone(), &external)
                }
            };
            out.push(reduce(&name, r.firstgid, tileset)?);
        }
        out.sort_by_key(|t| t.firstgid);
        Ok(Tilesets(out))
    }

    /// The tileset owning a gid (flags already masked) and the local tile id.
    fn lookup(&self, gid: u32) -> Option<(&Resolved, u32)> {
        let pos = self.0.partition_point(|t| t.firstgid <= gid);
        let ts = self.0.get(pos.checked_sub(1)?)?;
        let local = gid - ts.firstgid;
        (local < ts.tilecount).then_some((ts, local))
    }
}

fn read_external(source: &str, resolver: Option<Resolver<'_>>) -> Result<Tileset, MapError> {
    let here = || Location::Tileset(source.to_string());
    let Some(resolver) = resolver else {
        return Err(MapError::on(
            here(),
            "source",
            "external tilesets need a resolver: load the map with Venue::from_tmj_with, \
             or embed the tileset in the map (Tiled: Embed Tileset)",
        ));
    };
    if source.ends_with(".tsx") {
        return Err(MapError::on(
            here(),
            "source",
            "XML tilesets (.tsx) are not supported; save the tileset as JSON (.tsj)",
        ));
    }
    let text = resolver(source)
        .map_err(|e| MapError::on(here(), "source", format!("cannot read: {e}")))?;
    serde_json::from_str(&text).map_err(|e| {
        let json = MapError::json(&e);
        MapError::at(here(), format!("{}: {}", json.location(), json.problem()))
    })
}

fn reduce(name: &str, firstgid: u32, ts: &Tileset) -> Result<Resolved, MapError> {
    let here = || Location::Tileset(name.to_string());
    if firstgid == 0 {
        return Err(MapError::on(
            here(),
            "firstgid",
            "expected a firstgid of 1 or more",
        ));
    }
    let Some(tilecount) = ts.tilecount else {
        return Err(MapError::on(here(), "tilecount", "missing tile count"));
    };
    let mut colliding = HashSet::new();
    for tile in &ts.tiles {
        match tiled::property(&tile.properties, "collides") {
            None | Some(serde_json::Value::Bool(false)) => {}
            Some(serde_json::Value::Bool(true)) => {
                colliding.insert(tile.id);
            }
            Some(other) => {
                return Err(MapError::on(
                    here(),
                    "collides",
                    format!("tile {}: expected a bool, got {other}", tile.id),
                ));
            }
        }
    }
    Ok(Resolved {
        firstgid,
        tilecount,
        colliding,
    })
}

/// Reads layers in order, descending into groups: tile layers mark colliding
/// tiles in `blocked`, object layers contribute their objects.
fn walk_layers<'m>(
    layers: &'m [Layer],
    geo: Geometry,
    tilesets: &Tilesets,
    blocked: &mut [bool],
    objects: &mut Vec<&'m Object>,
) -> Result<(), MapError> {
    for layer in layers {
        match layer {
            Layer::Tiles(tl) => mark_collisions(tl, geo, tilesets, blocked)?,
            Layer::Objects(og) => objects.extend(og.objects.iter()),
            Layer::Group(g) => walk_layers(&g.layers, geo, tilesets, blocked, objects)?,
            Layer::Image {} => {}
        }
    }
    Ok(())
}

fn mark_collisions(
    layer: &TileLayer,
    geo: Geometry,
    tilesets: &Tilesets,
    blocked: &mut [bool],
) -> Result<(), MapError> {
    let here = || Location::Layer(layer.name.clone());
    if layer.width != u32::from(geo.width) || layer.height != u32::from(geo.height) {
        return Err(MapError::on(
            here(),
            "width",
            format!(
                "layer is {}×{} tiles but the map is {}×{}",
                layer.width, layer.height, geo.width, geo.height
            ),
        ));
    }
    let gids = layer_gids(layer)?;
    if gids.len() != blocked.len() {
        return Err(MapError::on(
            here(),
            "data",
            format!("expected {} tiles, got {}", blocked.len(), gids.len()),
        ));
    }
    let whole_layer_collides = matches!(
        tiled::property(&layer.properties, "collides"),
        Some(serde_json::Value::Bool(true))
    );
    let width = usize::from(geo.width);
    for (i, (raw, cell)) in gids.iter().zip(blocked.iter_mut()).enumerate() {
        let gid = raw & !GID_FLAGS;
        if gid == 0 {
            continue;
        }
        let Some((ts, local)) = tilesets.lookup(gid) else {
            return Err(MapError::on(
                here(),
                "data",
                format!(
                    "gid {gid} at tile ({}, {}) belongs to no tileset",
                    i % width,
                    i / width
                ),
            ));
        };
        if whole_layer_collides || ts.colliding.contains(&local) {
            *cell = true;
        }
    }
    Ok(())
}

/// The layer's gids, from a JSON array or uncompressed base64.
fn layer_gids(layer: &TileLayer) -> Result<Vec<u32>, MapError> {
    let here = || Location::Layer(layer.name.clone());
    if let Some(c) = layer.compression.as_deref().filter(|c| !c.is_empty()) {
        return Err(MapError::on(
            here(),
            "compression",
            format!(
                "compressed layer data ({c}) is not supported; in Tiled set \
                 Map > Map Properties > Tile Layer Format to CSV"
            ),
        ));
    }
    let encoding = layer.encoding.as_deref().unwrap_or("csv");
    match (encoding, &layer.data) {
        ("csv", Some(LayerData::Gids(gids))) => Ok(gids.clone()),
        ("base64", Some(LayerData::Base64(text))) => {
            let bytes = base64::decode(text).map_err(|e| MapError::on(here(), "data", e))?;
            if bytes.len() % 4 != 0 {
                return Err(MapError::on(
                    here(),
                    "data",
                    "base64 data is not a whole number of 4-byte gids",
                ));
            }
            Ok(bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        }
        ("csv" | "base64", None) => Err(MapError::on(here(), "data", "missing tile data")),
        ("csv" | "base64", Some(_)) => Err(MapError::on(
            here(),
            "data",
            format!("data does not match encoding '{encoding}'"),
        )),
        (other, _) => Err(MapError::on(
            here(),
            "encoding",
            format!("unknown encoding '{other}' (expected csv or base64)"),
        )),
    }
}

#[cfg(test)]
mod tests;
