//! A small custom venue written to disk for tests, made here (no third-party
//! map or tileset): a WorkAdventure-style `.tmx` map of 16 px tiles in
//! `maps/`, its `.tsx` tileset and PNG image in `../tilesets/`.
//!
//! ```text
//! root/
//!   maps/office.tmx            12×8 tiles of 16 px; areas, start layer, roof
//!   tilesets/office.tsx        2 tiles, the second collides
//!   tilesets/office.png        32×16: a magenta floor tile, a dark wall tile
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

/// Map size in tiles.
pub const W: u32 = 12;
pub const H: u32 = 8;

/// The colour of the floor tile, which nothing else on the page uses.
pub const FLOOR_RGB: [u8; 3] = [255, 0, 255];

/// A PNG of `w`×`h` RGB pixels, `pixel(x, y)` each: enough of the format
/// (one IDAT, no filtering) for any browser to decode.
pub fn png(w: u32, h: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc.finalize().to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            raw.extend(pixel(x, y));
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

pub const TSX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<tileset version="1.10" tiledversion="1.10.2" name="office" tilewidth="16" tileheight="16" tilecount="2" columns="2">
 <image source="office.png" width="32" height="16"/>
 <tile id="1">
  <properties>
   <property name="collides" type="bool" value="true"/>
  </properties>
 </tile>
</tileset>
"#;

/// The map: a hall area over everything, a team table area off the grid, a
/// start layer, a website object, a wall, and a roof above `floorLayer`.
pub fn tmx(tileset_source: &str, with_rooms: bool) -> String {
    let csv = |f: &dyn Fn(u32, u32) -> u32| {
        (0..H)
            .map(|y| {
                (0..W)
                    .map(|x| f(x, y).to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join(",\n")
    };
    let floor = csv(&|_, _| 1);
    let walls = csv(&|x, y| u32::from(x == 6 && y < 3) * 2);
    let start = csv(&|x, y| u32::from(y == 1 && (x == 1 || x == 2)));
    let roof = csv(&|x, y| u32::from(x == 11 && y == 7));
    let rooms = if with_rooms {
        r#"  <object id="1" name="Open space" class="area" x="0" y="0" width="192" height="128">
   <properties><property name="amphi-room" value="hall"/></properties>
  </object>
  <object id="2" name="Table 1" class="area" x="130" y="64" width="48" height="48">
   <properties>
    <property name="amphi-room" value="team-table"/>
    <property name="capacity" type="int" value="6"/>
   </properties>
  </object>
"#
    } else {
        ""
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<map version="1.10" tiledversion="1.10.2" orientation="orthogonal" renderorder="right-down" width="{W}" height="{H}" tilewidth="16" tileheight="16" infinite="0">
 <tileset firstgid="1" source="{tileset_source}"/>
 <layer id="1" name="floor" width="{W}" height="{H}"><data encoding="csv">
{floor}
</data></layer>
 <layer id="2" name="walls" width="{W}" height="{H}"><data encoding="csv">
{walls}
</data></layer>
 <layer id="3" name="start" width="{W}" height="{H}"><data encoding="csv">
{start}
</data></layer>
 <objectgroup id="4" name="areas">
{rooms}  <object id="3" name="site" class="website" x="0" y="0" width="16" height="16"/>
 </objectgroup>
 <objectgroup id="5" name="floorLayer"/>
 <layer id="6" name="roof" width="{W}" height="{H}"><data encoding="csv">
{roof}
</data></layer>
</map>
"#
    )
}

/// Writes the venue under `root`; returns the map's path.
pub fn write_venue(root: &Path) -> PathBuf {
    std::fs::create_dir_all(root.join("maps")).unwrap();
    std::fs::create_dir_all(root.join("tilesets")).unwrap();
    std::fs::write(root.join("tilesets/office.tsx"), TSX).unwrap();
    let image = png(32, 16, |x, _| if x < 16 { FLOOR_RGB } else { [40, 44, 52] });
    std::fs::write(root.join("tilesets/office.png"), image).unwrap();
    let map = root.join("maps/office.tmx");
    std::fs::write(&map, tmx("../tilesets/office.tsx", true)).unwrap();
    map
}

/// The tileset image: a magenta floor tile and a dark wall tile, 16 px each.
pub fn office_png() -> Vec<u8> {
    png(32, 16, |x, _| if x < 16 { FLOOR_RGB } else { [40, 44, 52] })
}

/// The same venue as [`tmx`] (with rooms) as Tiled JSON, for uploads
/// (`"map": "uploaded"`): `tileset` is the map's tileset entry, e.g.
/// `{"firstgid": 1, "source": "../tilesets/office.tsx"}` or an embedded one
/// ([`embedded_tileset`]).
pub fn tmj(tileset: serde_json::Value) -> String {
    let layer = |id: u32, name: &str, f: &dyn Fn(u32, u32) -> u32| {
        let data: Vec<u32> = (0..H)
            .flat_map(|y| (0..W).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect();
        serde_json::json!({"id": id, "name": name, "type": "tilelayer", "width": W, "height": H,
            "x": 0, "y": 0, "opacity": 1, "visible": true, "data": data})
    };
    let rooms = serde_json::json!({"id": 4, "name": "areas", "type": "objectgroup", "x": 0, "y": 0,
        "opacity": 1, "visible": true, "objects": [
        {"id": 1, "name": "Open space", "type": "area", "x": 0, "y": 0, "width": 192, "height": 128,
         "rotation": 0, "visible": true,
         "properties": [{"name": "amphi-room", "type": "string", "value": "hall"}]},
        {"id": 2, "name": "Table 1", "type": "area", "x": 130, "y": 64, "width": 48, "height": 48,
         "rotation": 0, "visible": true,
         "properties": [{"name": "amphi-room", "type": "string", "value": "team-table"},
                        {"name": "capacity", "type": "int", "value": 6}]}]});
    serde_json::json!({
        "type": "map", "version": "1.10", "tiledversion": "1.10.2", "orientation": "orthogonal",
        "renderorder": "right-down", "width": W, "height": H, "tilewidth": 16, "tileheight": 16,
        "infinite": false, "nextlayerid": 7, "nextobjectid": 3,
        "layers": [
            layer(1, "floor", &|_, _| 1),
            layer(2, "walls", &|x, y| u32::from(x == 6 && y < 3) * 2),
            layer(3, "start", &|x, y| u32::from(y == 1 && (x == 1 || x == 2))),
            rooms,
        ],
        "tilesets": [tileset],
    })
    .to_string()
}

/// The office tileset embedded in a map, its image at `image`.
pub fn embedded_tileset(image: &str) -> serde_json::Value {
    serde_json::json!({"firstgid": 1, "name": "office", "tilewidth": 16, "tileheight": 16,
        "tilecount": 2, "columns": 2, "margin": 0, "spacing": 0, "image": image,
        "imagewidth": 32, "imageheight": 16,
        "tiles": [{"id": 1, "properties": [{"name": "collides", "type": "bool", "value": true}]}]})
}
