//! Tiled's XML formats (`.tmx` maps, `.tsx` tilesets) read into the same types
//! as the JSON ones (`tiled.rs`), so everything after parsing is shared.
//!
//! XML is parsed by `roxmltree` (a small, read-only, pure-Rust parser); this
//! file only maps elements and attributes onto [`TiledMap`] and [`Tileset`].

use roxmltree::{Document, Node};
use serde_json::Value;

use super::error::{Location, MapError};
use super::tiled::{
    GroupLayer, Layer, LayerData, Object, ObjectGroup, Property, TileDef, TileLayer, TiledMap,
    Tileset, TilesetRef,
};

/// Parses a `.tmx` map.
pub(crate) fn parse_map(text: &str) -> Result<TiledMap, MapError> {
    let doc = Document::parse(text).map_err(|e| xml_error(Location::Map, &e))?;
    let root = doc.root_element();
    if root.tag_name().name() != "map" {
        return Err(MapError::at(
            Location::Map,
            format!("expected a <map> element, got <{}>", root.tag_name().name()),
        ));
    }
    let mut map = TiledMap {
        orientation: attr(root, "orientation").unwrap_or_default(),
        infinite: attr(root, "infinite").is_some_and(|v| v == "1"),
        width: number(root, "width", Location::Map)?,
        height: number(root, "height", Location::Map)?,
        tilewidth: number(root, "tilewidth", Location::Map)?,
        tileheight: number(root, "tileheight", Location::Map)?,
        backgroundcolor: attr(root, "backgroundcolor"),
        ..TiledMap::default()
    };
    for child in elements(root) {
        match child.tag_name().name() {
            "tileset" => map.tilesets.push(tileset_ref(child)?),
            _ => {
                if let Some(layer) = layer(child)? {
                    map.layers.push(layer);
                }
            }
        }
    }
    Ok(map)
}

/// Parses a `.tsx` tileset; `source` names it in errors.
pub(crate) fn parse_tileset(text: &str, source: &str) -> Result<Tileset, MapError> {
    let here = || Location::Tileset(source.to_string());
    let doc = Document::parse(text).map_err(|e| xml_error(here(), &e))?;
    let root = doc.root_element();
    if root.tag_name().name() != "tileset" {
        return Err(MapError::at(
            here(),
            format!(
                "expected a <tileset> element, got <{}>",
                root.tag_name().name()
            ),
        ));
    }
    tileset(root, &here())
}

fn xml_error(location: Location, err: &roxmltree::Error) -> MapError {
    let pos = err.pos();
    MapError::at(
        location,
        format!("XML at line {}, column {}: {err}", pos.row, pos.col),
    )
}

fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

fn attr(node: Node<'_, '_>, name: &str) -> Option<String> {
    node.attribute(name).map(str::to_string)
}

fn number(node: Node<'_, '_>, name: &str, at: Location) -> Result<u32, MapError> {
    match node.attribute(name) {
        None => Ok(0),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| MapError::on(at, name, format!("expected a whole number, got {v:?}"))),
    }
}

fn float(node: Node<'_, '_>, name: &str) -> f64 {
    node.attribute(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

fn tileset_ref(node: Node<'_, '_>) -> Result<TilesetRef, MapError> {
    let name = attr(node, "name").or_else(|| attr(node, "source"));
    let at = Location::Tileset(name.unwrap_or_default());
    let firstgid = number(node, "firstgid", at.clone())?;
    let source = attr(node, "source");
    let embedded = if source.is_some() {
        Tileset::default()
    } else {
        tileset(node, &at)?
    };
    Ok(TilesetRef {
        firstgid,
        source,
        embedded,
    })
}

fn tileset(node: Node<'_, '_>, at: &Location) -> Result<Tileset, MapError> {
    let mut ts = Tileset {
        name: attr(node, "name").unwrap_or_default(),
        tilecount: node
            .attribute("tilecount")
            .map(|_| number(node, "tilecount", at.clone()))
            .transpose()?,
        tilewidth: number(node, "tilewidth", at.clone())?,
        tileheight: number(node, "tileheight", at.clone())?,
        columns: number(node, "columns", at.clone())?,
        margin: number(node, "margin", at.clone())?,
        spacing: number(node, "spacing", at.clone())?,
        ..Tileset::default()
    };
    for child in elements(node) {
        match child.tag_name().name() {
            "image" => {
                ts.image = attr(child, "source");
                ts.imagewidth = number(child, "width", at.clone())?;
                ts.imageheight = number(child, "height", at.clone())?;
            }
            "tile" => ts.tiles.push(TileDef {
                id: number(child, "id", at.clone())?,
                properties: properties(child),
            }),
            _ => {}
        }
    }
    Ok(ts)
}

/// The `<properties>` of an element, typed as Tiled's JSON would type them.
fn properties(node: Node<'_, '_>) -> Vec<Property> {
    let Some(list) = elements(node).find(|c| c.has_tag_name("properties")) else {
        return Vec::new();
    };
    elements(list)
        .filter(|p| p.has_tag_name("property"))
        .map(|p| {
            // Multi-line strings are written as the element's text.
            let raw = p
                .attribute("value")
                .map(str::to_string)
                .or_else(|| p.text().map(str::to_string))
                .unwrap_or_default();
            let value = match p.attribute("type").unwrap_or("string") {
                "bool" => match raw.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::String(raw),
                },
                "int" => raw
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(raw)),
                "float" => raw
                    .trim()
                    .parse::<f64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(raw)),
                _ => Value::String(raw),
            };
            Property {
                name: p.attribute("name").unwrap_or_default().to_string(),
                value,
            }
        })
        .collect()
}

fn opacity(node: Node<'_, '_>) -> Option<f64> {
    node.attribute("opacity")
        .and_then(|v| v.trim().parse().ok())
}

fn visible(node: Node<'_, '_>) -> Option<bool> {
    node.attribute("visible").map(|v| v != "0")
}

/// A layer element, or `None` for elements that are not layers.
fn layer(node: Node<'_, '_>) -> Result<Option<Layer>, MapError> {
    let name = attr(node, "name").unwrap_or_default();
    Ok(Some(match node.tag_name().name() {
        "layer" => Layer::Tiles(tile_layer(node, name)?),
        "objectgroup" => Layer::Objects(ObjectGroup {
            name,
            objects: elements(node)
                .filter(|o| o.has_tag_name("object"))
                .map(object)
                .collect(),
        }),
        "group" => {
            let mut layers = Vec::new();
            for child in elements(node) {
                if let Some(l) = layer(child)? {
                    layers.push(l);
                }
            }
            Layer::Group(GroupLayer {
                opacity: opacity(node),
                visible: visible(node),
                properties: properties(node),
                layers,
            })
        }
        "imagelayer" => Layer::Image {},
        _ => return Ok(None),
    }))
}

fn tile_layer(node: Node<'_, '_>, name: String) -> Result<TileLayer, MapError> {
    let at = Location::Layer(name.clone());
    let mut layer = TileLayer {
        width: number(node, "width", at.clone())?,
        height: number(node, "height", at.clone())?,
        opacity: opacity(node),
        visible: visible(node),
        properties: properties(node),
        name,
        ..TileLayer::default()
    };
    let Some(data) = elements(node).find(|c| c.has_tag_name("data")) else {
        return Ok(layer);
    };
    let text = data.text().unwrap_or_default();
    match data.attribute("encoding") {
        Some("csv") => {
            let gids: Result<Vec<u32>, _> = text
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::parse)
                .collect();
            let gids = gids.map_err(|_| {
                MapError::on(at, "data", "CSV tile data holds something other than gids")
            })?;
            layer.data = Some(LayerData::Gids(gids));
        }
        Some(encoding) => {
            layer.encoding = Some(encoding.to_string());
            layer.compression = attr(data, "compression");
            layer.data = Some(LayerData::Base64(text.trim().to_string()));
        }
        None if elements(data).any(|c| c.has_tag_name("chunk")) => {
            // Chunks only appear in infinite maps, refused by the map check.
        }
        None => {
            let gids: Result<Vec<u32>, MapError> = elements(data)
                .filter(|t| t.has_tag_name("tile"))
                .map(|t| number(t, "gid", at.clone()))
                .collect();
            layer.data = Some(LayerData::Gids(gids?));
        }
    }
    Ok(layer)
}

fn object(node: Node<'_, '_>) -> Object {
    let shape = |tag: &str| elements(node).find(|c| c.has_tag_name(tag));
    let points = |tag: &str| {
        shape(tag).map(|p| Value::String(p.attribute("points").unwrap_or_default().into()))
    };
    Object {
        id: node
            .attribute("id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        name: attr(node, "name").unwrap_or_default(),
        type_: attr(node, "type").unwrap_or_default(),
        class: attr(node, "class").unwrap_or_default(),
        x: float(node, "x"),
        y: float(node, "y"),
        width: float(node, "width"),
        height: float(node, "height"),
        rotation: float(node, "rotation"),
        point: shape("point").is_some(),
        ellipse: shape("ellipse").is_some(),
        polygon: points("polygon"),
        polyline: points("polyline"),
        properties: properties(node),
    }
}
