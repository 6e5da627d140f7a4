//! WorkAdventure maps: areas as rooms through `amphi-room`, start layers and
//! start areas as spawns, unknown classes as decoration, off-grid rooms
//! snapped, and the layers drawn above avatars.

use serde_json::{Value, json};

use crate::domain::role::Role;
use crate::venue::test_map::report;
use crate::venue::{Location, RoomKind, Tile, TileRect};

const W: usize = 12;
const H: usize = 8;

fn layer(name: &str, data: Vec<u32>, properties: Value) -> Value {
    json!({"type": "tilelayer", "name": name, "width": W, "height": H,
           "opacity": 1, "visible": true, "data": data, "properties": properties})
}

fn area(id: u32, name: &str, px: [f64; 4], properties: Value) -> Value {
    json!({"id": id, "name": name, "class": "area", "x": px[0], "y": px[1],
           "width": px[2], "height": px[3], "properties": properties})
}

fn prop(name: &str, value: Value) -> Value {
    json!({"name": name, "value": value})
}

/// A small office as WorkAdventure maps are drawn: floor, a start layer,
/// areas, a website object, the floorLayer and a roof drawn above avatars.
fn office() -> Value {
    let mut start = vec![0; W * H];
    start[W + 1] = 1;
    start[W + 2] = 1;
    let mut walls = vec![0; W * H];
    walls[2 * W + 4] = 2;
    json!({
        "type": "map", "orientation": "orthogonal", "infinite": false,
        "width": W, "height": H, "tilewidth": 32, "tileheight": 32,
        "tilesets": [{"firstgid": 1, "name": "office", "image": "office.png",
            "tilewidth": 32, "tileheight": 32, "tilecount": 2, "columns": 2,
            "imagewidth": 64, "imageheight": 32,
            "tiles": [{"id": 1, "properties": [prop("collides", json!(true))]}]}],
        "layers": [
            layer("floor", vec![1; W * H], json!([])),
            layer("walls", walls, json!([])),
            layer("start", start, json!([])),
            {"type": "objectgroup", "name": "areas", "objects": [
                area(1, "Everything", [0.0, 0.0, 384.0, 256.0], json!([prop("amphi-room", json!("hall"))])),
                area(2, "Meeting Room 1", [200.0, 64.0, 130.0, 96.0], json!([
                    prop("amphi-room", json!("team-table")), prop("capacity", json!(6))])),
                area(3, "jitsiMeeting", [0.0, 192.0, 64.0, 64.0], json!([prop("jitsiRoom", json!("x"))])),
                area(4, "entry", [256.0, 192.0, 64.0, 32.0], json!([prop("start", json!(true))])),
                {"id": 5, "name": "site", "class": "website", "x": 0, "y": 0, "width": 32, "height": 32},
                {"id": 6, "name": "count", "type": "variable", "x": 0, "y": 0, "point": true}
            ]},
            {"type": "objectgroup", "name": "floorLayer", "objects": []},
            layer("roof", vec![0; W * H], json!([])),
            {"type": "group", "name": "high", "properties": [prop("amphi-above", json!(true))], "layers": []}
        ]
    })
}

#[test]
fn a_workadventure_office_loads() {
    let r = report(office(), &[]);
    let venue = r.venue.unwrap_or_else(|| panic!("{:?}", r.problems));
    assert_eq!(venue.rooms.len(), 2);
    let hall = venue.room(venue.room_by_id("everything").unwrap());
    assert_eq!(
        (hall.kind, hall.label.as_str()),
        (RoomKind::Hall, "Everything")
    );
    let table = venue.room(venue.room_by_id("meeting-room-1").unwrap());
    assert_eq!(table.kind, RoomKind::TeamTable);
    assert_eq!(table.label, "Meeting Room 1");
    assert_eq!(table.capacity, Some(6));
    assert_eq!(
        table.rect,
        TileRect {
            x: 6,
            y: 2,
            w: 4,
            h: 3
        },
        "snapped to the grid"
    );

    let spawns: Vec<Tile> = venue.spawns_for(Role::Participant).collect();
    assert!(
        spawns.contains(&Tile::new(1, 1)) && spawns.contains(&Tile::new(2, 1)),
        "start layer"
    );
    assert!(
        spawns.contains(&Tile::new(8, 6)) && spawns.contains(&Tile::new(9, 6)),
        "start area"
    );
    assert_eq!(spawns.len(), 4);

    let decoration = r
        .warnings
        .iter()
        .find(|w| w.contains("kept as decoration"))
        .unwrap();
    assert!(decoration.starts_with("4 object(s)"), "{decoration}");
    assert!(
        decoration.contains("area (2), variable (1), website (1)"),
        "{decoration}"
    );
    let snapped = r.warnings.iter().find(|w| w.contains("snapped")).unwrap();
    assert!(
        snapped
            .starts_with("object 'Meeting Room 1' (id 2): not aligned to the 32×32 px tile grid"),
        "{snapped}"
    );
    assert!(snapped.contains("x -8 px, width -2 px"), "{snapped}");
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);

    let drawn = r.drawable.unwrap();
    let above: Vec<(&str, bool)> = drawn["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap(), l["above"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        above,
        [
            ("floor", false),
            ("walls", false),
            ("start", false),
            ("roof", true)
        ],
        "layers after floorLayer are drawn above avatars"
    );
}

#[test]
fn the_amphi_above_property_lifts_a_layer() {
    let mut map = office();
    map["layers"][6]["layers"] = json!([layer("lamps", vec![0; W * H], json!([]))]);
    map["layers"][1]["properties"] = json!([prop("amphi-above", json!(true))]);
    let d = report(map, &[]).drawable.unwrap();
    assert_eq!(d["layers"][1]["above"], true, "walls, marked");
    assert_eq!(d["layers"][4]["name"], "lamps");
    assert_eq!(d["layers"][4]["above"], true, "in a marked group");
}

#[test]
fn a_start_area_outside_every_room_is_refused() {
    let mut map = office();
    // The hall no longer covers the entry area.
    map["layers"][3]["objects"][0]["height"] = json!(160);
    let r = report(map, &[]);
    assert!(r.venue.is_none());
    let err = r
        .problems
        .iter()
        .find(|p| p.problem().contains("outside every room"))
        .unwrap();
    assert_eq!(
        err.location(),
        &Location::Object {
            name: "entry".into(),
            id: 4
        }
    );
}

#[test]
fn an_unknown_room_kind_names_the_property() {
    let mut map = office();
    map["layers"][3]["objects"][1]["properties"][0]["value"] = json!("kitchen");
    let r = report(map, &[]);
    let err = &r.problems[0];
    assert_eq!(err.field(), Some("amphi-room"));
    assert!(
        err.problem().contains("expected amphitheatre, team-table"),
        "{err}"
    );
}

#[test]
fn a_layer_with_the_start_layer_property_gives_spawns() {
    let mut map = office();
    map["layers"][2]["name"] = json!("entrances");
    let r = report(map.clone(), &[]);
    assert_eq!(
        r.venue.unwrap().spawns_for(Role::Mentor).count(),
        2,
        "only the start area is left"
    );
    map["layers"][2]["properties"] = json!([prop("startLayer", json!(true))]);
    let r = report(map, &[]);
    assert_eq!(r.venue.unwrap().spawns_for(Role::Mentor).count(), 4);
}
