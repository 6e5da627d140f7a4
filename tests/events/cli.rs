//! `amphi event …` against the real binary: a server process on a free port,
//! and each command as a second process, as an operator would type them.

use crate::binary::Amphi;
use std::process::{Command, Output};

const TOKEN: &str = "cli-operator-token-0123456789";

fn amphi_event(server: &str, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amphi"));
    command
        .env("AMPHI_LOG", "warn")
        .env_remove("AMPHI_SERVER")
        .arg("event")
        .arg("--server")
        .arg(server)
        .args(args);
    match token {
        Some(token) => command.env("AMPHI_ADMIN_TOKEN", token),
        None => command.env_remove("AMPHI_ADMIN_TOKEN"),
    };
    command.output().unwrap()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn refused(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn the_event_commands_manage_a_running_server() {
    let dir = crate::common::owned_data_dir();
    let amphi = Amphi::start(&dir, None, &[("AMPHI_ADMIN_TOKEN", TOKEN)]);
    let server = format!("http://{}", amphi.addr);
    let run = |args: &[&str]| amphi_event(&server, Some(TOKEN), args);

    let created = ok(&run(&[
        "create",
        "--title",
        "Hackathon Donnée en Région",
        "--slug",
        "donnee-region",
        "--map",
        "campus",
        "--starts-on",
        "2027-03-12",
        "--ends-on",
        "2027-03-13",
        "--capacity",
        "150",
        "--team-size",
        "6",
    ]));
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    assert_eq!(created["event"]["phase"], "draft");
    assert!(
        created["moderator_link"]
            .as_str()
            .unwrap()
            .contains("event=donnee-region")
    );

    let list = ok(&run(&["list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(
        lines[1].starts_with("donnee-region\tdraft\t0 people\tHackathon Donnée en Région"),
        "{list}"
    );

    let shown: serde_json::Value =
        serde_json::from_str(&ok(&run(&["show", "donnee-region"]))).unwrap();
    assert_eq!(shown["settings"]["capacity"], 150);
    ok(&run(&["phase", "donnee-region", "live"]));
    let cloned = ok(&run(&[
        "clone",
        "donnee-region",
        "--new-slug",
        "donnee-2028",
        "--title",
        "Édition 2028",
    ]));
    assert!(cloned.contains("\"donnee-2028\""), "{cloned}");
    let archived = ok(&run(&["archive", "donnee-region"]));
    assert!(archived.contains("\"archived\""), "{archived}");
    assert_eq!(
        ok(&run(&["delete", "donnee-2028"])).trim(),
        "deleted donnee-2028"
    );

    // Typed refusals, on stderr, with a failing exit status.
    let err = refused(&run(&["create", "--title", "T", "--slug", "donnee-region"]));
    assert!(err.contains("duplicate_slug"), "{err}");
    let err = refused(&run(&[
        "create",
        "--title",
        "T",
        "--slug",
        "t",
        "--starts-on",
        "2027-03-13",
        "--ends-on",
        "2027-03-12",
    ]));
    assert!(err.contains("dates_out_of_order"), "{err}");
    let err = refused(&run(&["phase", "donnee-region", "live"]));
    assert!(err.contains("event_archived"), "{err}");
    let err = refused(&run(&["show", "nowhere"]));
    assert!(err.contains("unknown_event"), "{err}");
    let err = refused(&amphi_event(
        &server,
        Some("not-the-operator-token"),
        &["list"],
    ));
    assert!(err.contains("unauthorized"), "{err}");
    let err = refused(&amphi_event(&server, None, &["list"]));
    assert!(err.contains("AMPHI_ADMIN_TOKEN"), "{err}");

    let list = ok(&run(&["list"]));
    assert!(list.contains("donnee-region\tarchived"), "{list}");
    amphi.kill();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A plain blocking GET: the whole raw response.
fn get(addr: std::net::SocketAddr, path: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    raw
}

#[test]
fn an_uploaded_map_is_sent_with_the_tileset_and_image_it_refers_to() {
    use crate::common::maps;
    let dir = crate::common::owned_data_dir();
    let amphi = Amphi::start(&dir, None, &[("AMPHI_ADMIN_TOKEN", TOKEN)]);
    let server = format!("http://{}", amphi.addr);
    let venue = crate::common::temp_data_dir().join("office-venue");
    std::fs::create_dir_all(venue.join("maps")).unwrap();
    std::fs::create_dir_all(venue.join("tilesets")).unwrap();
    std::fs::write(venue.join("tilesets/office.tsx"), maps::TSX).unwrap();
    std::fs::write(venue.join("tilesets/office.png"), maps::office_png()).unwrap();
    let map = venue.join("maps/office.tmj");
    let tileset = serde_json::json!({"firstgid": 1, "source": "../tilesets/office.tsx"});
    std::fs::write(&map, maps::tmj(tileset)).unwrap();
    let map = map.to_str().unwrap();
    let run = |args: &[&str]| amphi_event(&server, Some(TOKEN), args);
    ok(&run(&[
        "create", "--title", "Bureaux", "--slug", "bureaux", "--venue", map,
    ]));
    let image = get(amphi.addr, "/api/events/bureaux/map-files/office.png");
    assert!(
        image.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&image)
    );
    assert!(image.ends_with(&maps::office_png()));
    // Without its image, every missing file is named.
    std::fs::remove_file(venue.join("tilesets/office.png")).unwrap();
    let err = refused(&run(&[
        "create",
        "--title",
        "Bureaux",
        "--slug",
        "bureaux-2",
        "--venue",
        map,
    ]));
    assert!(
        err.contains("image 'office.png' was not sent with the map"),
        "{err}"
    );
    amphi.kill();
    std::fs::remove_dir_all(&venue).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
