//! The map's tilesets: embedded or external (`.tsj` as JSON, `.tsx` as XML),
//! reduced to what collision needs (gid ranges, `collides` tiles), and
//! embedded as clients draw them, with image paths from the map's folder.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::error::{Location, MapError};
use super::load::Resolver;
use super::problems::Problems;
use super::tiled::{self, Tileset};
use super::{paths, tmx};

/// A tileset of the map, and where its files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilesetFile {
    /// The tileset's name (or its source file when it could not be read).
    pub name: String,
    /// The external tileset file, relative to the map's folder.
    pub source: Option<String>,
    /// The tileset image, relative to the map's folder.
    pub image: Option<String>,
    /// Whether the tileset itself was read (an external file may be missing).
    pub loaded: bool,
}

/// One tileset, reduced to what collision needs.
pub(crate) struct Resolved {
    firstgid: u32,
    tilecount: u32,
    pub colliding: HashSet<u32>,
    /// Could not be read: its gids are not checked (the cause is reported).
    pub unknown: bool,
}

/// All tilesets of the map, sorted by `firstgid` for gid lookup.
pub(crate) struct Tilesets(Vec<Resolved>);

impl Tilesets {
    /// Reads every tileset (external ones through `resolver`); returns the
    /// lookup table and the tilesets as clients draw them, and records
    /// where each one's files are.
    pub(crate) fn resolve(
        refs: &[tiled::TilesetRef],
        resolver: Option<Resolver<'_>>,
        out: &mut Problems,
        files: &mut Vec<TilesetFile>,
    ) -> (Self, Vec<Value>) {
        let mut table = Vec::with_capacity(refs.len());
        let mut drawn = Vec::with_capacity(refs.len());
        for r in refs {
            let external;
            let (name, source, tileset) = match &r.source {
                None => (r.embedded.name.clone(), None, &r.embedded),
                Some(source) => {
                    let path = paths::join("", source);
                    match read_external(source, path.as_deref(), resolver) {
                        Ok(ts) => {
                            external = ts;
                            (external.name.clone(), path, &external)
                        }
                        Err(e) => {
                            out.error(e);
                            files.push(TilesetFile {
                                name: source.clone(),
                                source: path,
                                image: None,
                                loaded: false,
                            });
                            table.push(Resolved {
                                firstgid: r.firstgid,
                                tilecount: u32::MAX,
                                colliding: HashSet::new(),
                                unknown: true,
                            });
                            continue;
                        }
                    }
                }
            };
            let shown = if name.is_empty() {
                source.clone().unwrap_or_default()
            } else {
                name.clone()
            };
            let image = tileset
                .image
                .as_deref()
                .and_then(|img| paths::join(source.as_deref().unwrap_or(""), img));
            if let Some(img) = &tileset.image
                && image.is_none()
            {
                out.error(MapError::on(
                    Location::Tileset(shown.clone()),
                    "image",
                    format!("{img:?} is an absolute path: make it relative to the tileset file"),
                ));
            }
            match reduce(&shown, r.firstgid, tileset) {
                Ok(resolved) => table.push(resolved),
                Err(e) => {
                    out.error(e);
                    continue;
                }
            }
            drawn.push(drawn_tileset(r.firstgid, &shown, tileset, image.as_deref()));
            files.push(TilesetFile {
                name: shown,
                source,
                image,
                loaded: true,
            });
        }
        table.sort_by_key(|t| t.firstgid);
        (Tilesets(table), drawn)
    }

    /// The tileset owning a gid (flags already masked) and the local tile id.
    pub(crate) fn lookup(&self, gid: u32) -> Option<(&Resolved, u32)> {
        let pos = self.0.partition_point(|t| t.firstgid <= gid);
        let ts = self.0.get(pos.checked_sub(1)?)?;
        let local = gid - ts.firstgid;
        (local < ts.tilecount).then_some((ts, local))
    }
}

/// A tileset as the client draws it: sizes, image, and colliding tiles.
fn drawn_tileset(firstgid: u32, name: &str, ts: &Tileset, image: Option<&str>) -> Value {
    let tiles: Vec<Value> = ts
        .tiles
        .iter()
        .filter(|t| tiled::flag(&t.properties, "collides"))
        .map(|t| json!({"id": t.id, "properties": [{"name": "collides", "type": "bool", "value": true}]}))
        .collect();
    json!({
        "firstgid": firstgid,
        "name": name,
        "tilewidth": ts.tilewidth,
        "tileheight": ts.tileheight,
        "tilecount": ts.tilecount,
        "columns": ts.columns,
        "margin": ts.margin,
        "spacing": ts.spacing,
        "image": image,
        "imagewidth": ts.imagewidth,
        "imageheight": ts.imageheight,
        "tiles": tiles,
    })
}

/// Reads an external tileset: `.tsx` as XML, anything else as JSON.
fn read_external(
    source: &str,
    path: Option<&str>,
    resolver: Option<Resolver<'_>>,
) -> Result<Tileset, MapError> {
    let here = || Location::Tileset(source.to_string());
    let Some(resolver) = resolver else {
        return Err(MapError::on(
            here(),
            "source",
            "external tilesets need a resolver: load the map with Venue::from_tmj_with, \
             or embed the tileset in the map (Tiled: Embed Tileset)",
        ));
    };
    let Some(path) = path else {
        return Err(MapError::on(
            here(),
            "source",
            "an absolute path: make it relative to the map (Tiled does when the tileset \
             is saved next to the map or in a folder above it)",
        ));
    };
    let text = resolver(path)
        .map_err(|e| MapError::on(here(), "source", format!("cannot read {path}: {e}")))?;
    if path.to_ascii_lowercase().ends_with(".tsx") {
        return tmx::parse_tileset(&text, source);
    }
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
        return Err(MapError::on(
            here(),
            "tilecount",
            "missing tile count: save the tileset again with Tiled 1.2 or later",
        ));
    };
    let mut colliding = HashSet::new();
    for tile in &ts.tiles {
        match tiled::property(&tile.properties, "collides") {
            None | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => {
                colliding.insert(tile.id);
            }
            Some(other) => {
                return Err(MapError::on(
                    here(),
                    "collides",
                    format!(
                        "tile {}: expected a bool, got {other}: make the property a bool",
                        tile.id
                    ),
                ));
            }
        }
    }
    Ok(Resolved {
        firstgid,
        tilecount,
        colliding,
        unknown: false,
    })
}
