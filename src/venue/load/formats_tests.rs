//! What Tiled writes: every tile layer encoding, `.tsj` and `.tsx` tilesets
//! (also in a parent folder), `.tmx` maps, and every problem in one report.

use std::io::Write;

use serde_json::{Value, json};

use crate::domain::role::Role;
use crate::venue::base64::tests_encode;
use crate::venue::test_map::{self, H, W, base, object, objects, report, report_text};
use crate::venue::{Location, MapFormat, RoomKind, Tile, TilesetFile};

fn raw(gids: &[u32]) -> Vec<u8> {
    gids.iter().flat_map(|g| g.to_le_bytes()).collect()
}

fn compress(kind: &str, bytes: &[u8]) -> Vec<u8> {
    match kind {
        "zlib" => {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(bytes).unwrap();
            z.finish().unwrap()
        }
        "gzip" => {
            let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            g.write_all(bytes).unwrap();
            g.finish().unwrap()
        }
        "zstd" => {
            ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
        }
        _ => bytes.to_vec(),
    }
}

/// The walls layer of the base map (inside its group), re-encoded.
fn encode_walls(map: &mut Value, compression: &str) {
    let walls = &mut map["layers"][1]["layers"][0];
    let gids: Vec<u32> = serde_json::from_value(walls["data"].clone()).unwrap();
    walls["encoding"] = json!("base64");
    if !compression.is_empty() {
        walls["compression"] = json!(compression);
    }
    walls["data"] = json!(tests_encode(&compress(compression, &raw(&gids))));
}

#[test]
fn every_layer_encoding_gives_the_same_collisions() {
    for compression in ["", "zlib", "gzip", "zstd"] {
        let mut map = base();
        encode_walls(&mut map, compression);
        let r = report(map, &[]);
        let venue = r
            .venue
            .unwrap_or_else(|| panic!("{compression}: {:?}", r.problems));
        assert!(
            !venue.is_walkable(Tile::new(5, 3)),
            "{compression}: the wall collides"
        );
        assert!(venue.is_walkable(Tile::new(4, 3)), "{compression}");
        let drawn = &r.drawable.unwrap()["layers"][1]["data"];
        assert_eq!(drawn[3 * W + 5], 2, "{compression}: clients get plain gids");
    }
}

/// The base map with its tileset moved to `source` (relative to the map).
fn with_external_tileset(source: &str) -> Value {
    let mut map = base();
    map["tilesets"] = json!([{"firstgid": 1, "source": source}]);
    map
}

const TSJ: &str = r#"{"name": "ext", "tilewidth": 32, "tileheight": 32, "tilecount": 2,
  "columns": 2, "image": "img/ext.png", "imagewidth": 64, "imageheight": 32,
  "tiles": [{"id": 1, "properties": [{"name": "collides", "type": "bool", "value": true}]}]}"#;

const TSX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<tileset version="1.10" tiledversion="1.10.2" name="ext" tilewidth="32" tileheight="32" tilecount="2" columns="2">
 <image source="img/ext.png" width="64" height="32"/>
 <tile id="1">
  <properties>
   <property name="collides" type="bool" value="true"/>
  </properties>
 </tile>
</tileset>
"#;

#[test]
fn reads_tsj_and_tsx_tilesets_from_a_parent_folder() {
    for (file, text) in [("../tilesets/ext.tsj", TSJ), ("../tilesets/ext.tsx", TSX)] {
        let r = report(with_external_tileset(file), &[(file, text)]);
        let venue = r
            .venue
            .unwrap_or_else(|| panic!("{file}: {:?}", r.problems));
        assert!(
            !venue.is_walkable(Tile::new(5, 3)),
            "{file}: collides read from the tileset"
        );
        assert_eq!(
            r.tilesets,
            [TilesetFile {
                name: "ext".into(),
                source: Some(file.into()),
                image: Some("../tilesets/img/ext.png".into()),
                loaded: true,
            }]
        );
        let drawn = &r.drawable.unwrap()["tilesets"][0];
        assert_eq!(drawn["image"], "../tilesets/img/ext.png");
        assert_eq!(drawn["firstgid"], 1);
        assert_eq!(drawn["tiles"][0]["id"], 1);
    }
}

#[test]
fn a_missing_tileset_is_one_problem_not_one_per_tile() {
    let r = report(with_external_tileset("gone.tsx"), &[]);
    assert!(r.venue.is_none());
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let err = &r.problems[0];
    assert_eq!(err.location(), &Location::Tileset("gone.tsx".into()));
    assert_eq!(err.field(), Some("source"));
    assert!(!r.tilesets[0].loaded);
}

/// The base map as Tiled saves it in XML: tileset in a `.tsx`, the floor in
/// CSV, the walls zlib-compressed inside a group, rooms with properties.
fn base_tmx() -> String {
    let walls: Vec<u32> =
        serde_json::from_value(base()["layers"][1]["layers"][0]["data"].clone()).unwrap();
    let walls = tests_encode(&compress("zlib", &raw(&walls)));
    let floor = vec!["1"; W * H].join(",");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<map version="1.10" tiledversion="1.10.2" orientation="orthogonal" renderorder="right-down" width="{W}" height="{H}" tilewidth="32" tileheight="32" infinite="0" nextlayerid="5" nextobjectid="6">
 <tileset firstgid="1" source="ext.tsx"/>
 <layer id="1" name="floor" width="{W}" height="{H}">
  <data encoding="csv">
{floor}
</data>
 </layer>
 <group id="2" name="group">
  <layer id="3" name="walls" width="{W}" height="{H}">
   <data encoding="base64" compression="zlib">
   {walls}
   </data>
  </layer>
 </group>
 <objectgroup id="4" name="rooms">
  <object id="1" name="hall" type="hall" x="0" y="0" width="320" height="256"/>
  <object id="2" name="jury" class="jury-room" x="192" y="64" width="128" height="96"/>
  <object id="3" name="table-01" type="team-table" x="0" y="160" width="96" height="96">
   <properties>
    <property name="label" value="Table 1"/>
    <property name="capacity" type="int" value="7"/>
   </properties>
  </object>
  <object id="4" type="spawn" x="48" y="48">
   <point/>
  </object>
  <object id="5" name="plant" x="64" y="64" width="32" height="32"/>
 </objectgroup>
</map>
"#
    )
}

#[test]
fn reads_a_tmx_map() {
    let r = report_text(&base_tmx(), MapFormat::Xml, &[("ext.tsx", TSX)]);
    let venue = r.venue.unwrap_or_else(|| panic!("{:?}", r.problems));
    let json = report(with_external_tileset("ext.tsx"), &[("ext.tsx", TSX)])
        .venue
        .unwrap();
    assert_eq!(
        serde_json::to_value(&venue).unwrap(),
        serde_json::to_value(&json).unwrap(),
        "the .tmx and the .tmj give the same venue"
    );
    let table = venue.room(venue.room_by_id("table-01").unwrap());
    assert_eq!((table.label.as_str(), table.capacity), ("Table 1", Some(7)));
    assert!(!venue.is_walkable(Tile::new(5, 3)));
    assert_eq!(
        venue.spawns_for(Role::Jury).collect::<Vec<_>>(),
        [Tile::new(1, 1)]
    );
}

#[test]
fn broken_xml_names_line_and_column() {
    let r = report_text("<map width=\"3\">\n<layer></map>", MapFormat::Xml, &[]);
    assert_eq!(r.problems.len(), 1);
    assert!(
        r.problems[0].to_string().contains("XML at line 2"),
        "{}",
        r.problems[0]
    );
}

#[test]
fn refuses_infinite_and_isometric_tmx_at_once() {
    let tmx = base_tmx()
        .replace("orientation=\"orthogonal\"", "orientation=\"isometric\"")
        .replace("infinite=\"0\"", "infinite=\"1\"");
    let r = report_text(&tmx, MapFormat::Xml, &[("ext.tsx", TSX)]);
    let fields: Vec<_> = r.problems.iter().map(|p| p.field()).collect();
    assert_eq!(
        fields,
        [Some("orientation"), Some("infinite")],
        "{:?}",
        r.problems
    );
    assert!(
        r.problems[1].problem().contains("uncheck"),
        "says what to do"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut map = base();
    map["layers"][0]["data"] = json!([1, 1]);
    object(&mut map, 2)["properties"] = json!([{"name": "capacity", "value": "six"}]);
    object(&mut map, 3)["name"] = json!("Table 1");
    objects(&mut map).push(json!({"id": 7, "name": "x", "type": "spawn", "x": 48, "y": 48}));
    let r = report(map, &[]);
    assert!(r.venue.is_none());
    let found: Vec<String> = r.problems.iter().map(ToString::to_string).collect();
    assert_eq!(r.problems.len(), 4, "{found:#?}");
    assert!(
        found[0].contains("layer 'floor': field 'data'"),
        "{found:#?}"
    );
    assert!(
        found[1].contains("object 'jury' (id 2): field 'capacity'"),
        "{found:#?}"
    );
    assert!(
        found[2].contains("object 'Table 1' (id 3): field 'name'")
            && found[2].contains("\"table-1\""),
        "{found:#?}"
    );
    assert!(
        found[3].contains("object 'x' (id 7): field 'point'"),
        "{found:#?}"
    );
}

#[test]
fn refuses_a_map_without_rooms() {
    let mut map = base();
    objects(&mut map).retain(|o| o["type"] == "spawn" || o["name"] == "plant");
    let r = report(map, &[]);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].location(), &Location::Map);
    assert!(
        r.problems[0].problem().contains("has no room"),
        "{}",
        r.problems[0]
    );
}

#[test]
fn refuses_a_spawn_outside_every_room() {
    let mut map = base();
    // The hall shrinks to the left half: the spawn at (7, 6) is in no room.
    object(&mut map, 1)["width"] = json!(160);
    objects(&mut map)
        .push(json!({"id": 8, "name": "far", "type": "spawn", "point": true, "x": 232, "y": 200}));
    let r = report(map, &[]);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    let err = &r.problems[0];
    assert_eq!(
        err.location(),
        &Location::Object {
            name: "far".into(),
            id: 8
        }
    );
    assert!(err.problem().contains("outside every room"), "{err}");
}

#[test]
fn drawable_map_embeds_tilesets_and_plain_layers() {
    let r = report(base(), &[]);
    let d = r.drawable.unwrap();
    assert_eq!(d["tilesets"][0]["image"], "test.png");
    assert_eq!(
        d["layers"].as_array().unwrap().len(),
        2,
        "groups are flattened"
    );
    assert_eq!(d["layers"][1]["name"], "walls");
    assert_eq!(d["layers"][1]["above"], false);
    assert_eq!(
        r.venue.unwrap().room(crate::venue::RoomIdx(2)).kind,
        RoomKind::TeamTable
    );
    let _ = test_map::H;
}

#[test]
fn every_problem_of_one_object_is_reported() {
    let mut map = base();
    object(&mut map, 3)["properties"] = json!([
        {"name": "capacity", "value": 0},
        {"name": "roles", "value": "pirate"},
        {"name": "label", "value": ""}
    ]);
    object(&mut map, 3)["rotation"] = json!(45);
    let r = report(map, &[]);
    let fields: Vec<_> = r.problems.iter().map(|p| p.field()).collect();
    assert_eq!(
        fields,
        [
            Some("rotation"),
            Some("label"),
            Some("capacity"),
            Some("roles")
        ],
        "{:?}",
        r.problems
    );
}
