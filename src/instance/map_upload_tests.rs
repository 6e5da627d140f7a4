//! The checks of an uploaded map and its files, without a network.

use super::*;
use amphi_testkit::maps::{TSX, embedded_tileset, office_png, png, tmj};
use serde_json::json;

const PREFIX: &str = "/api/events/x/map-files/";

fn no_shipped(_: &str) -> bool {
    false
}

fn upload(map: String, files: &[(&str, Vec<u8>)]) -> MapUpload {
    MapUpload {
        map_tmj: map,
        files: files
            .iter()
            .map(|(n, b)| (n.to_string(), b.clone()))
            .collect(),
    }
}

fn file_problems(result: Result<CheckedMap, Vec<UploadProblem>>) -> Vec<FileProblem> {
    result
        .unwrap_err()
        .into_iter()
        .filter_map(|p| match p {
            UploadProblem::File(f) => Some(f),
            UploadProblem::Map(_) => None,
        })
        .collect()
}

#[test]
fn an_embedded_tileset_with_its_image_is_served_by_name() {
    let map = tmj(embedded_tileset("../tilesets/office.png"));
    let up = upload(map, &[("office.png", office_png())]);
    let checked = check(&up, PREFIX, MissingImage::Refuse, &no_shipped).unwrap();
    let drawn: Value = serde_json::from_str(&checked.drawable).unwrap();
    assert_eq!(
        drawn["tilesets"][0]["image"],
        "/api/events/x/map-files/office.png"
    );
}

#[test]
fn an_external_tsx_tileset_and_its_image_are_read_from_the_files() {
    let map = tmj(json!({"firstgid": 1, "source": "../tilesets/office.tsx"}));
    let up = upload(
        map,
        &[
            ("office.tsx", TSX.as_bytes().to_vec()),
            ("office.png", office_png()),
        ],
    );
    let checked = check(&up, PREFIX, MissingImage::Refuse, &no_shipped).unwrap();
    let drawn: Value = serde_json::from_str(&checked.drawable).unwrap();
    assert_eq!(drawn["tilesets"][0]["image"], format!("{PREFIX}office.png"));
    assert_eq!(drawn["tilesets"][0]["columns"], 2);
}

#[test]
fn every_file_problem_is_listed() {
    let map = tmj(embedded_tileset("office.png"));
    let up = upload(
        map,
        &[
            ("../evil.png", office_png()),
            ("notes.txt", b"hello".to_vec()),
            ("office.png", b"GIF89a not a png".to_vec()),
        ],
    );
    let problems = file_problems(check(&up, PREFIX, MissingImage::Refuse, &no_shipped));
    let codes: Vec<&str> = problems.iter().map(FileProblem::code).collect();
    assert_eq!(
        codes,
        ["bad_file_name", "bad_image", "unused_file"],
        "{problems:?}"
    );
}

#[test]
fn a_missing_image_is_refused_unless_shipped_or_stored() {
    let map = tmj(embedded_tileset("office.png"));
    let up = upload(map, &[]);
    let problems = file_problems(check(&up, PREFIX, MissingImage::Refuse, &no_shipped));
    assert_eq!(
        problems,
        [FileProblem::MissingImage {
            tileset: "office".into(),
            name: "office.png".into()
        }]
    );
    let shipped = check(&up, PREFIX, MissingImage::Refuse, &|n| n == "office.png").unwrap();
    assert!(shipped.drawable.contains("/assets/tiles/office.png"));
    let stored = check(&up, PREFIX, MissingImage::FlatColours, &no_shipped).unwrap();
    let drawn: Value = serde_json::from_str(&stored.drawable).unwrap();
    assert!(drawn["tilesets"][0]["image"].is_null());
}

#[test]
fn an_image_of_the_wrong_size_is_refused() {
    let map = tmj(embedded_tileset("office.png"));
    let narrow = png(16, 16, |_, _| [0, 0, 0]);
    let problems = file_problems(check(
        &upload(map, &[("office.png", narrow)]),
        PREFIX,
        MissingImage::Refuse,
        &no_shipped,
    ));
    let codes: Vec<&str> = problems.iter().map(FileProblem::code).collect();
    assert_eq!(
        codes,
        ["wrong_image_size", "wrong_columns", "too_few_tiles"]
    );
}

#[test]
fn an_oversized_image_is_refused() {
    let mut tileset = embedded_tileset("office.png");
    tileset["imagewidth"] = json!(MAX_IMAGE_SIDE + 16);
    tileset["columns"] = json!((MAX_IMAGE_SIDE + 16) / 16);
    let map = tmj(tileset);
    let huge = png(MAX_IMAGE_SIDE + 16, 1, |_, _| [0, 0, 0]);
    let problems = file_problems(check(
        &upload(map, &[("office.png", huge)]),
        PREFIX,
        MissingImage::Refuse,
        &no_shipped,
    ));
    assert_eq!(problems[0].code(), "image_too_large", "{problems:?}");
}

#[test]
fn a_corrupt_png_header_is_a_bad_image() {
    let mut image = office_png();
    image[17] ^= 0xff; // width, without fixing the header's checksum
    let map = tmj(embedded_tileset("office.png"));
    let problems = file_problems(check(
        &upload(map, &[("office.png", image)]),
        PREFIX,
        MissingImage::Refuse,
        &no_shipped,
    ));
    assert_eq!(problems[0].code(), "bad_image", "{problems:?}");
}

#[test]
fn file_names_are_plain() {
    for good in ["office.png", "Bâtiment 2.png", "a-b_c.tsx"] {
        assert!(valid_name(good), "{good}");
    }
    for bad in [
        "",
        "..",
        "../a.png",
        "a/b.png",
        "a\\b.png",
        ".hidden",
        "/etc/passwd",
        "a\0b",
    ] {
        assert!(!valid_name(bad), "{bad:?}");
    }
}

#[test]
fn base64_is_decoded_and_bad_base64_named() {
    let encoded = [
        ("a.png".to_string(), "aGVsbG8=".to_string()),
        ("b.png".to_string(), "not base64!".to_string()),
    ]
    .into_iter()
    .collect();
    let (files, problems) = decode_files(&encoded);
    assert_eq!(files["a.png"], b"hello");
    assert_eq!(problems, [FileProblem::NotBase64("b.png".into())]);
}
