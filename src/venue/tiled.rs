//! Serde mirror of the subset of the Tiled JSON format (`.tmj`, `.tsj`) we read.
//!
//! Only the fields the loader and the drawing client need are declared; serde
//! ignores the rest, so maps saved by any Tiled 1.8–1.11 parse. XML maps and
//! tilesets (`.tmx`, `.tsx`) are read into the same types by `tmx.rs`.
//! Meaning is checked in `load.rs`.

use serde::Deserialize;
use serde_json::Value;

/// A whole `.tmj` map.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TiledMap {
    #[serde(default)]
    pub orientation: String,
    #[serde(default)]
    pub infinite: bool,
    pub width: u32,
    pub height: u32,
    pub tilewidth: u32,
    pub tileheight: u32,
    #[serde(default)]
    pub backgroundcolor: Option<String>,
    #[serde(default)]
    pub layers: Vec<Layer>,
    #[serde(default)]
    pub tilesets: Vec<TilesetRef>,
}

/// One layer; `type` says which kind.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub(crate) enum Layer {
    #[serde(rename = "tilelayer")]
    Tiles(TileLayer),
    #[serde(rename = "objectgroup")]
    Objects(ObjectGroup),
    #[serde(rename = "group")]
    Group(GroupLayer),
    /// Image layers are drawn by clients and play no part in the venue.
    #[serde(rename = "imagelayer")]
    Image {},
}

/// A grid of gids, as a JSON array (CSV in Tiled) or a base64 string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TileLayer {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub opacity: Option<f64>,
    #[serde(default)]
    pub visible: Option<bool>,
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub compression: Option<String>,
    #[serde(default)]
    pub data: Option<LayerData>,
    #[serde(default)]
    pub properties: Vec<Property>,
}

/// Tile layer data: `[1, 2, ...]` or `"AQAAAA..."` (base64, little-endian u32).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum LayerData {
    Gids(Vec<u32>),
    Base64(String),
}

/// A layer of objects (rooms, stage, spawns, decorations).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ObjectGroup {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub objects: Vec<Object>,
}

/// A group layer: its children are read as if they were top-level.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct GroupLayer {
    #[serde(default)]
    pub opacity: Option<f64>,
    #[serde(default)]
    pub visible: Option<bool>,
    #[serde(default)]
    pub properties: Vec<Property>,
    #[serde(default)]
    pub layers: Vec<Layer>,
}

/// One object. Tiled 1.9 wrote the class in `class`; 1.8 and ≥1.10 in `type`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Object {
    pub id: u32,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub type_: String,
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub x: f64,
    #[serde(default)]
    pub y: f64,
    #[serde(default)]
    pub width: f64,
    #[serde(default)]
    pub height: f64,
    #[serde(default)]
    pub rotation: f64,
    #[serde(default)]
    pub point: bool,
    #[serde(default)]
    pub ellipse: bool,
    #[serde(default)]
    pub polygon: Option<Value>,
    #[serde(default)]
    pub polyline: Option<Value>,
    #[serde(default)]
    pub properties: Vec<Property>,
}

/// A Tiled custom property: `{"name": "capacity", "type": "int", "value": 7}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Property {
    pub name: String,
    #[serde(default)]
    pub value: Value,
}

/// A tileset entry in a map: embedded, or a `source` to resolve.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TilesetRef {
    pub firstgid: u32,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(flatten)]
    pub embedded: Tileset,
}

/// The content of a tileset (embedded in the map, or a whole `.tsj` file).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Tileset {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub tilecount: Option<u32>,
    #[serde(default)]
    pub tilewidth: u32,
    #[serde(default)]
    pub tileheight: u32,
    #[serde(default)]
    pub columns: u32,
    #[serde(default)]
    pub margin: u32,
    #[serde(default)]
    pub spacing: u32,
    /// The tileset image, relative to the file that holds the tileset.
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub imagewidth: u32,
    #[serde(default)]
    pub imageheight: u32,
    #[serde(default)]
    pub tiles: Vec<TileDef>,
}

/// Per-tile data in a tileset; we read only its properties.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TileDef {
    pub id: u32,
    #[serde(default)]
    pub properties: Vec<Property>,
}

/// The value of the property called `name`, if present.
pub(crate) fn property<'a>(props: &'a [Property], name: &str) -> Option<&'a Value> {
    props.iter().find(|p| p.name == name).map(|p| &p.value)
}

/// Whether the property called `name` is the bool `true`.
pub(crate) fn flag(props: &[Property], name: &str) -> bool {
    matches!(property(props, name), Some(Value::Bool(true)))
}

impl Object {
    /// The object's class and the field it came from (`type` wins if both set).
    pub(crate) fn class(&self) -> Option<(&str, &'static str)> {
        if !self.type_.is_empty() {
            Some((&self.type_, "type"))
        } else if !self.class.is_empty() {
            Some((&self.class, "class"))
        } else {
            None
        }
    }
}
