//! A tiny valid Tiled map for unit tests, as JSON each test can break.
//!
//! ```text
//!    x 0123456789
//! y0   ..........      hall: the whole map
//! y1   .S........      S: spawn (no role)
//! y2   .....#JJJJ      #: wall (colliding tile), J: jury room (6,2 4×3)
//! y3   .....#JJJJ
//! y4   .....#JJJJ
//! y5   TTT..#....      T: table-01 (0,5 3×3)
//! y6   TTT.......
//! y7   TTT.......
//! ```

use super::{MapError, Venue};
use serde_json::{Value, json};

/// Map width in tiles.
pub(crate) const W: usize = 10;
/// Map height in tiles.
pub(crate) const H: usize = 8;

/// The walls layer: gid 2 (colliding) at x=5, y=2..=5.
fn walls() -> Vec<u32> {
    let mut data = vec![0; W * H];
    for y in 2..=5 {
        data[y * W + 5] = 2;
    }
    data
}

/// A room rectangle object, given in tiles.
pub(crate) fn rect_object(id: u32, name: &str, class: &str, t: [u32; 4]) -> Value {
    json!({
        "id": id, "name": name, "type": class,
        "x": t[0] * 32, "y": t[1] * 32, "width": t[2] * 32, "height": t[3] * 32,
        "rotation": 0, "visible": true
    })
}

/// The base map: valid, loads into a venue with three rooms and one spawn.
pub(crate) fn base() -> Value {
    json!({
        "type": "map", "version": "1.10", "tiledversion": "1.10.2",
        "orientation": "orthogonal", "renderorder": "right-down", "infinite": false,
        "width": W, "height": H, "tilewidth": 32, "tileheight": 32,
        "tilesets": [{
            "firstgid": 1, "name": "test", "image": "test.png",
            "imagewidth": 64, "imageheight": 32, "tilewidth": 32, "tileheight": 32,
            "tilecount": 2, "columns": 2,
            "tiles": [{"id": 1, "properties": [{"name": "collides", "type": "bool", "value": true}]}]
        }],
        "layers": [
            {"type": "tilelayer", "id": 1, "name": "floor", "width": W, "height": H,
             "x": 0, "y": 0, "opacity": 1, "visible": true, "data": vec![1; W * H]},
            {"type": "group", "id": 2, "name": "group", "layers": [
                {"type": "tilelayer", "id": 3, "name": "walls", "width": W, "height": H,
                 "x": 0, "y": 0, "opacity": 1, "visible": true, "data": walls()}
            ]},
            {"type": "objectgroup", "id": 4, "name": "rooms", "objects": [
                rect_object(1, "hall", "hall", [0, 0, 10, 8]),
                rect_object(2, "jury", "jury-room", [6, 2, 4, 3]),
                {
                    "id": 3, "name": "table-01", "class": "team-table",
                    "x": 0, "y": 160, "width": 96, "height": 96, "rotation": 0,
                    "properties": [
                        {"name": "label", "type": "string", "value": "Table 1"},
                        {"name": "capacity", "type": "int", "value": 7}
                    ]
                },
                {"id": 4, "name": "", "type": "spawn", "point": true, "x": 48, "y": 48,
                 "width": 0, "height": 0},
                {"id": 5, "name": "plant", "x": 64, "y": 64, "width": 32, "height": 32}
            ]}
        ]
    })
}

/// Loads a map value, collecting every problem; `files` are the other files
/// (path relative to the map's folder, text) the map may refer to.
pub(crate) fn report(map: Value, files: &[(&str, &str)]) -> super::MapReport {
    report_text(&map.to_string(), super::MapFormat::Json, files)
}

/// Loads map text in a format, with these files beside it.
pub(crate) fn report_text(
    text: &str,
    format: super::MapFormat,
    files: &[(&str, &str)],
) -> super::MapReport {
    let read = |path: &str| {
        files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, text)| text.to_string())
            .ok_or_else(|| "no such file".to_string())
    };
    Venue::load_report(text, format, &read)
}

/// Loads a JSON map value with no external tileset resolver.
pub(crate) fn load(map: Value) -> Result<Venue, MapError> {
    Venue::from_tmj(&map.to_string())
}

/// The objects of the `rooms` layer, to push to or edit.
pub(crate) fn objects(map: &mut Value) -> &mut Vec<Value> {
    match &mut map["layers"][2]["objects"] {
        Value::Array(objects) => objects,
        _ => unreachable!("the base map has an objects array"),
    }
}

/// The object with this Tiled id.
pub(crate) fn object(map: &mut Value, id: u32) -> &mut Value {
    match objects(map).iter_mut().find(|o| o["id"] == id) {
        Some(o) => o,
        None => unreachable!("no object with id {id} in the test map"),
    }
}
