//! Loader tests: the small test map loads, and each kind of broken map is
//! refused with an error naming the place and the field.

use serde_json::{Value, json};

use crate::domain::role::Role;
use crate::venue::test_map::{self, base, load, object, objects, rect_object};
use crate::venue::{Location, MapError, RoomKind, Tile, TileRect, Venue};

fn refused(map: Value) -> MapError {
    match load(map) {
        Ok(_) => panic!("the map should have been refused"),
        Err(e) => e,
    }
}

fn obj(name: &str, id: u32) -> Location {
    Location::Object {
        name: name.into(),
        id,
    }
}

fn assert_err(err: &MapError, location: &Location, field: Option<&str>, needle: &str) {
    assert_eq!(err.location(), location, "{err}");
    assert_eq!(err.field(), field, "{err}");
    assert!(err.to_string().contains(needle), "{err}");
}

#[test]
fn loads_the_test_map() {
    let v = load(base()).unwrap();
    assert_eq!((v.width, v.height, v.tile_width), (10, 8, 32));
    assert_eq!(v.rooms.len(), 3);
    let table = v.room(v.room_by_id("table-01").unwrap());
    assert_eq!(table.kind, RoomKind::TeamTable);
    assert_eq!(table.label, "Table 1");
    assert_eq!(table.capacity, Some(7));
    assert_eq!(
        table.rect,
        TileRect {
            x: 0,
            y: 5,
            w: 3,
            h: 3
        }
    );
    let jury = v.room(v.room_by_id("jury").unwrap());
    assert_eq!(jury.label, "jury", "label defaults to the id");
    assert!(jury.roles.contains(Role::Jury) && !jury.roles.contains(Role::Mentor));
    assert!(
        !v.is_walkable(Tile::new(5, 3)),
        "walls in a group layer collide"
    );
    assert!(v.is_walkable(Tile::new(5, 6)));
    assert_eq!(
        v.spawns_for(Role::Mentor).collect::<Vec<_>>(),
        [Tile::new(1, 1)]
    );
    assert_eq!(
        v.room_by_id("plant"),
        None,
        "objects without class are ignored"
    );
}

#[test]
fn room_at_picks_the_smallest_room() {
    let v = load(base()).unwrap();
    assert_eq!(v.room_at(Tile::new(7, 3)), v.room_by_id("jury"));
    assert_eq!(v.room_at(Tile::new(0, 5)), v.room_by_id("table-01"));
    assert_eq!(v.room_at(Tile::new(0, 0)), v.room_by_id("hall"));
}

#[test]
fn accepts_class_field_labels_roles_and_role_spawns() {
    let mut map = base();
    let hall = object(&mut map, 1);
    hall["type"] = json!("");
    hall["class"] = json!("hall");
    object(&mut map, 2)["properties"] = json!([
        {"name": "label", "type": "string", "value": "Salle du jury"},
        {"name": "roles", "type": "string", "value": "jury, moderator, mentor"}
    ]);
    objects(&mut map).push(json!({"id": 9, "name": "", "type": "spawn", "point": true,
        "x": 200, "y": 70, "properties": [{"name": "role", "type": "string", "value": "jury"}]}));
    let v = load(map).unwrap();
    let jury = v.room(v.room_by_id("jury").unwrap());
    assert_eq!(jury.label, "Salle du jury");
    assert!(jury.roles.contains(Role::Mentor));
    assert_eq!(v.spawns_for(Role::Jury).count(), 2);
    assert_eq!(v.spawns_for(Role::Participant).count(), 1);
}

#[test]
fn reads_base64_layers_and_masks_flip_flags() {
    let mut map = base();
    let mut bytes = Vec::new();
    for (i, gid) in (0..test_map::W * test_map::H).map(|i| (i, 1u32)) {
        // Flip flags on some floor tiles must not change their meaning.
        let gid = if i % 3 == 0 {
            gid | 0x8000_0000 | 0x1000_0000
        } else {
            gid
        };
        bytes.extend_from_slice(&gid.to_le_bytes());
    }
    map["layers"][0]["encoding"] = json!("base64");
    map["layers"][0]["compression"] = json!("");
    map["layers"][0]["data"] = json!(encode(&bytes));
    let v = load(map).unwrap();
    assert!(v.is_walkable(Tile::new(0, 0)));
}

/// Test-only base64 encoder, to feed the decoder.
fn encode(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn external_tilesets_go_through_the_resolver() {
    let mut map = base();
    let tileset = map["tilesets"][0].clone();
    map["tilesets"] = json!([{"firstgid": 1, "source": "../tiles/test.tsj"}]);
    let text = map.to_string();
    let err = Venue::from_tmj(&text).unwrap_err();
    assert_err(
        &err,
        &Location::Tileset("../tiles/test.tsj".into()),
        Some("source"),
        "from_tmj_with",
    );

    let resolver = |source: &str| {
        assert_eq!(source, "../tiles/test.tsj");
        Ok(tileset.to_string())
    };
    let v = Venue::from_tmj_with(&text, &resolver).unwrap();
    assert!(!v.is_walkable(Tile::new(5, 3)));

    let err = Venue::from_tmj_with(&text, &|_| Err("no such file".into())).unwrap_err();
    assert_err(
        &err,
        &Location::Tileset("../tiles/test.tsj".into()),
        Some("source"),
        "no such file",
    );
}

#[test]
fn refuses_invalid_json_with_line_and_column() {
    let err = Venue::from_tmj("{\n  \"width\": 10,\n  oops\n}").unwrap_err();
    assert_eq!(err.location(), &Location::Json { line: 3, column: 3 });
    let err = Venue::from_tmj("{\"width\": \"ten\"}").unwrap_err();
    assert!(
        matches!(err.location(), Location::Json { line: 1, .. }),
        "{err}"
    );
}

#[test]
fn refuses_infinite_and_non_orthogonal_maps() {
    let mut map = base();
    map["infinite"] = json!(true);
    assert_err(
        &refused(map),
        &Location::Map,
        Some("infinite"),
        "not supported",
    );
    let mut map = base();
    map["orientation"] = json!("isometric");
    assert_err(
        &refused(map),
        &Location::Map,
        Some("orientation"),
        "isometric",
    );
}

#[test]
fn refuses_unknown_compressions() {
    let mut map = base();
    map["layers"][0]["encoding"] = json!("base64");
    map["layers"][0]["compression"] = json!("lz4");
    map["layers"][0]["data"] = json!("AQAAAA==");
    assert_err(
        &refused(map),
        &Location::Layer("floor".into()),
        Some("compression"),
        "expected zlib, gzip or zstd",
    );
}

#[test]
fn refuses_gids_without_tileset() {
    let mut map = base();
    map["layers"][1]["layers"][0]["data"][3] = json!(7);
    assert_err(
        &refused(map),
        &Location::Layer("walls".into()),
        Some("data"),
        "gid 7 at tile (3, 0) belongs to no tileset",
    );
}

#[test]
fn refuses_rooms_without_a_valid_unique_name() {
    let mut map = base();
    object(&mut map, 3)["name"] = json!("");
    assert_err(&refused(map), &obj("", 3), Some("name"), "needs a name");

    let mut map = base();
    object(&mut map, 3)["name"] = json!("Table 1");
    assert_err(&refused(map), &obj("Table 1", 3), Some("name"), "slug");

    let mut map = base();
    object(&mut map, 3)["name"] = json!("jury");
    assert_err(
        &refused(map),
        &obj("jury", 3),
        Some("name"),
        "already used by object id 2",
    );
}

#[test]
fn unknown_classes_are_decorations_listed_in_one_warning() {
    let mut map = base();
    object(&mut map, 5)["type"] = json!("sofa");
    objects(&mut map).push(json!({"id": 9, "name": "w", "class": "website", "x": 0, "y": 0, "width": 32, "height": 32}));
    objects(&mut map).push(
        json!({"id": 10, "name": "s2", "type": "sofa", "x": 0, "y": 0, "width": 32, "height": 32}),
    );
    let report = test_map::report(map, &[]);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].starts_with("3 object(s) of classes Amphi does not use are kept as decoration: sofa (2), website (1)"),
        "{}",
        report.warnings[0]
    );
}

#[test]
fn refuses_bad_capacities() {
    for bad in [json!("six"), json!(0), json!(-3), json!(2.5)] {
        let mut map = base();
        object(&mut map, 3)["properties"][1]["value"] = bad.clone();
        let err = refused(map);
        assert_err(
            &err,
            &obj("table-01", 3),
            Some("capacity"),
            "expected an integer greater than 0",
        );
        assert!(err.to_string().ends_with(&format!("got {bad}")), "{err}");
    }
    let mut map = base();
    object(&mut map, 3)["properties"][1]["value"] = json!("six");
    assert_eq!(
        refused(map).to_string(),
        "map error: object 'table-01' (id 3): field 'capacity': \
         expected an integer greater than 0, got \"six\""
    );
}

#[test]
fn refuses_unknown_roles() {
    let mut map = base();
    object(&mut map, 2)["properties"] =
        json!([{"name": "roles", "type": "string", "value": "jury,judge"}]);
    assert_err(
        &refused(map),
        &obj("jury", 2),
        Some("roles"),
        "unknown role 'judge'",
    );
    let mut map = base();
    object(&mut map, 2)["properties"] = json!([{"name": "roles", "type": "string", "value": " "}]);
    assert_err(
        &refused(map),
        &obj("jury", 2),
        Some("roles"),
        "at least one role",
    );
}

#[test]
fn refuses_outside_rectangles() {
    let mut map = base();
    object(&mut map, 3)["height"] = json!(128);
    assert_err(
        &refused(map),
        &obj("table-01", 3),
        Some("height"),
        "bottom edge",
    );

    let mut map = base();
    object(&mut map, 3)["width"] = json!(0);
    assert_err(
        &refused(map),
        &obj("table-01", 3),
        Some("width"),
        "at least one tile",
    );

    let mut map = base();
    object(&mut map, 3)["x"] = json!(-32);
    assert_err(
        &refused(map),
        &obj("table-01", 3),
        Some("x"),
        "non-negative",
    );
}

#[test]
fn stage_must_lie_inside_an_amphitheatre() {
    let mut map = base();
    objects(&mut map).push(rect_object(10, "amphi", "amphitheatre", [0, 0, 4, 4]));
    objects(&mut map).push(rect_object(11, "", "stage", [0, 0, 4, 1]));
    let v = load(map.clone()).unwrap();
    assert_eq!(
        v.stage,
        Some(TileRect {
            x: 0,
            y: 0,
            w: 4,
            h: 1
        })
    );

    object(&mut map, 11)["x"] = json!(64);
    assert_err(
        &refused(map.clone()),
        &obj("", 11),
        Some("x"),
        "inside an amphitheatre",
    );

    object(&mut map, 11)["x"] = json!(0);
    objects(&mut map).push(rect_object(12, "", "stage", [0, 1, 4, 1]));
    assert_err(
        &refused(map),
        &obj("", 12),
        Some("type"),
        "at most one stage",
    );
}

#[test]
fn refuses_spawns_on_walls_and_missing_spawns() {
    let mut map = base();
    let spawn = object(&mut map, 4);
    spawn["x"] = json!(5 * 32 + 4);
    spawn["y"] = json!(3 * 32 + 4);
    assert_err(&refused(map), &obj("", 4), Some("x"), "colliding tile");

    let mut map = base();
    objects(&mut map).retain(|o| o["id"] != 4);
    assert_err(
        &refused(map),
        &Location::Map,
        None,
        "no spawn point for role 'moderator'",
    );

    // A mentor-only spawn leaves the other roles without one.
    let mut map = base();
    object(&mut map, 4)["properties"] =
        json!([{"name": "role", "type": "string", "value": "mentor"}]);
    assert_err(&refused(map), &Location::Map, None, "role 'moderator'");

    // A role-specific spawn inside a room refusing that role.
    let mut map = base();
    objects(&mut map).push(json!({"id": 9, "name": "", "type": "spawn", "point": true,
        "x": 230, "y": 80, "properties": [{"name": "role", "type": "string", "value": "participant"}]}));
    assert_err(&refused(map), &obj("", 9), Some("role"), "may not enter");

    let mut map = base();
    object(&mut map, 4)["point"] = json!(false);
    assert_err(&refused(map), &obj("", 4), Some("point"), "point object");
}

#[test]
fn refuses_broken_xml_tilesets_and_bad_layer_sizes() {
    let mut map = base();
    map["tilesets"] = json!([{"firstgid": 1, "source": "test.tsx"}]);
    let err = Venue::from_tmj_with(&map.to_string(), &|_| Ok("<tileset".into())).unwrap_err();
    assert_err(
        &err,
        &Location::Tileset("test.tsx".into()),
        None,
        "XML at line 1",
    );

    let mut map = base();
    map["layers"][0]["data"] = json!([1, 1, 1]);
    assert_err(
        &refused(map),
        &Location::Layer("floor".into()),
        Some("data"),
        "expected 80 tiles, got 3",
    );
}

#[test]
fn the_minimal_map_in_the_docs_loads() {
    let doc = include_str!("../../../docs/maps.md");
    let start = doc.find("```json\n").unwrap() + "```json\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let v = Venue::from_tmj(&doc[start..end]).unwrap();
    assert_eq!(
        v.room(v.room_by_id("hall").unwrap()).label,
        "Hall d'accueil"
    );
    assert!(!v.is_walkable(Tile::new(2, 0)));
    assert!(v.is_walkable(Tile::new(2, 1)));
}

#[test]
fn seats_lie_inside_an_amphitheatre_and_only_walkable_tiles_count() {
    let mut map = base();
    objects(&mut map).push(rect_object(10, "amphi", "amphitheatre", [0, 0, 4, 4]));
    objects(&mut map).push(rect_object(11, "", "seats", [0, 2, 4, 1]));
    let v = load(map.clone()).unwrap();
    let amphi = v.room_by_id("amphi").unwrap();
    assert!(!v.seats.is_empty());
    assert!(
        v.seats
            .iter()
            .all(|t| t.y == 2 && v.is_walkable(*t) && v.room_at(*t) == Some(amphi)),
        "{:?}",
        v.seats
    );
    let walkable = (0..4)
        .filter(|x| v.is_walkable(crate::venue::Tile::new(*x, 2)))
        .count();
    assert_eq!(v.seats.len(), walkable, "every walkable tile of the row");

    object(&mut map, 11)["x"] = json!(96);
    assert_err(
        &refused(map),
        &obj("", 11),
        Some("x"),
        "inside an amphitheatre",
    );
}
