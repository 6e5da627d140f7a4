//! `amphi check-map`, run as a program: every problem at once, the summary of
//! what an event gets, exit status 0/1; and the server's own start error for
//! a broken map, each problem once and no backtrace.

use super::common::maps::{self, write_venue};
use super::common::temp_data_dir;
use std::path::Path;
use std::process::{Command, Output};

fn amphi(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amphi"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .env("AMPHI_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_good_map_gets_a_summary_and_exit_0() {
    let root = temp_data_dir();
    write_venue(&root);
    let out = amphi(&["check-map", "maps/office.tmx", "--map-root", "."], &root);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    for line in [
        "venue: 12×8 tiles of 16×16 px",
        "  team-table: 1 room(s), 6 seat(s): table-1 (6)",
        "  hall: 1 room(s), 0 seat(s) + 1 without limit: open-space",
        "  amphitheatre: none (summons and pitches need an amphitheatre)",
        "  mentor-desk: none (the help desk needs mentor desks)",
        "  jury-room: none (private deliberation needs a jury room)",
        "spawn points: moderator 2, mentor 2, jury 2, participant 2",
        "blocked tiles: 3 of 96",
        "tilesets: 1 read, 0 missing; images: 1 found, 0 missing",
        "  tileset office [../tilesets/office.tsx]",
        "  image tilesets/office.png (found)",
        "result: ok, 2 warning(s)",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(
        text.contains(
            "warning: 1 object(s) of classes Amphi does not use are kept as decoration: website (1)"
        ),
        "{text}"
    );
    assert!(
        text.contains("warning: object 'Table 1' (id 2): not aligned to the 16×16 px tile grid, snapped to it: x -2 px"),
        "{text}"
    );
}

#[test]
fn a_broken_map_lists_every_problem_and_exits_1() {
    let root = temp_data_dir();
    write_venue(&root);
    // No rooms, and a tileset that climbs out of the map root.
    let map = maps::tmx("../../outside/office.tsx", false);
    std::fs::write(root.join("maps/broken.tmx"), map).unwrap();
    let out = amphi(&["check-map", "maps/broken.tmx", "--map-root", "."], &root);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("problem: "))
        .collect();
    assert_eq!(problems.len(), 2, "{text}");
    assert!(
        problems[0].starts_with(
            "problem: tileset '../../outside/office.tsx': field 'source': cannot read"
        ),
        "{text}"
    );
    assert!(problems[0].contains("outside the map root"), "{text}");
    assert!(
        problems[1].starts_with("problem: map: the map has no room"),
        "{text}"
    );
    assert!(text.contains("tilesets: 0 read, 1 missing"), "{text}");
    assert!(
        text.ends_with("result: refused, 2 problem(s), 1 warning(s)\n"),
        "{text}"
    );
}

#[test]
fn the_default_root_is_the_map_folder() {
    let root = temp_data_dir();
    write_venue(&root);
    // Without --map-root, ../tilesets is outside what may be served.
    let out = amphi(&["check-map", "maps/office.tmx"], &root);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("outside the map root"), "{text}");
}

#[test]
fn the_server_prints_each_problem_once_without_a_backtrace() {
    let root = temp_data_dir();
    write_venue(&root);
    let map =
        maps::tmx("../tilesets/office.tsx", false).replace("infinite=\"0\"", "infinite=\"1\"");
    std::fs::write(root.join("maps/broken.tmx"), map).unwrap();
    std::fs::write(
        root.join("maps/norooms.tmx"),
        maps::tmx("../tilesets/office.tsx", false),
    )
    .unwrap();
    let out = amphi(
        &[
            "--map",
            "maps/norooms.tmx",
            "--map-root",
            ".",
            "--data-dir",
            "data",
            "--listen",
            "127.0.0.1:0",
        ],
        &root,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("the map has no room").count(), 1, "{err}");
    assert!(
        err.contains("map maps/norooms.tmx is refused: 1 problem(s)"),
        "{err}"
    );
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
    assert!(
        !root.join("data").exists(),
        "no data directory for a refused map"
    );

    let out = amphi(
        &[
            "--map",
            "maps/broken.tmx",
            "--map-root",
            ".",
            "--listen",
            "127.0.0.1:0",
        ],
        &root,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("field 'infinite'").count(), 1, "{err}");
}

#[test]
fn an_image_outside_the_root_is_a_warning_and_the_campus_checks_with_its_root() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let out = amphi(&["check-map", "maps/campus.tmj"], &assets);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "warning: tileset 'amphi': image ../tiles/amphi-tiles.png is outside the map root"
        ),
        "{text}"
    );
    assert!(text.contains("images: 0 found, 1 missing"), "{text}");

    let out = amphi(
        &["check-map", "maps/campus.tmj", "--map-root", "."],
        &assets,
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    for line in [
        "  amphitheatre: 1 room(s), 400 seat(s): amphi (400)",
        "  mentor-desk: 12 room(s), 72 seat(s): mentor-1 (6), mentor-2 (6), mentor-3 (6), mentor-4 (6), mentor-5 (6), mentor-6 (6), mentor-7 (6), mentor-8 (6), … 4 more",
        "  image tiles/amphi-tiles.png (found)",
        "result: ok, 0 warning(s)",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
}
