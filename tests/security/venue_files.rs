//! A custom map's files are served from its map root and from nowhere else:
//! not through `..` (plain or percent-encoded), not through a link.

use super::common::maps::write_venue;
use super::common::{Client, TestServer, temp_data_dir};
use amphi::domain::Role;
use std::path::Path;

async fn server_for(map: &Path, root: Option<&Path>) -> TestServer {
    let (map, root) = (map.to_path_buf(), root.map(Path::to_path_buf));
    TestServer::with_config(move |c| {
        c.map = Some(map);
        c.map_root = root;
    })
    .await
}

#[tokio::test]
async fn tileset_images_in_a_parent_folder_are_served_from_the_map_root() {
    let dir = temp_data_dir();
    let root = dir.join("venue");
    let map = write_venue(&root);
    std::fs::write(dir.join("secret.txt"), "not for you").unwrap();
    let server = server_for(&map, Some(&root)).await;

    let (_c, welcome) = Client::join(&server, Role::Participant, "Ana").await;
    let url = welcome.0["map_url"].as_str().unwrap().to_string();
    assert_eq!(url, "/api/events/demo/map");
    let drawn = server.get(&url).await;
    assert_eq!(drawn.status, 200);
    let drawn: serde_json::Value = serde_json::from_str(&drawn.body).unwrap();
    assert_eq!(drawn["tilesets"][0]["image"], "/venue/tilesets/office.png");
    assert_eq!(drawn["layers"][3]["name"], "roof");
    assert_eq!(drawn["layers"][3]["above"], true);

    let image = server.get("/venue/tilesets/office.png").await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), Some("image/png"));

    for escape in [
        "/venue/../secret.txt",
        "/venue/%2e%2e/secret.txt",
        "/venue/maps/..%2F..%2Fsecret.txt",
        "/venue/%2Fetc%2Fpasswd",
        "/venue/tilesets/",
    ] {
        let got = server.get(escape).await;
        assert_eq!(got.status, 404, "{escape}");
        assert!(!got.body.contains("not for you"), "{escape}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("secret.txt"), root.join("tilesets/link.txt")).unwrap();
        let got = server.get("/venue/tilesets/link.txt").await;
        assert_eq!(got.status, 404, "a link that leads outside the root");
    }
    server.stop().await;
}

#[tokio::test]
async fn without_a_map_root_only_the_map_folder_is_served() {
    let root = temp_data_dir();
    let map = write_venue(&root);
    // The tileset is in ../tilesets: refused, the server does not start.
    let config = amphi::config::Config {
        map: Some(map.clone()),
        data_dir: root.join("data"),
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    let Err(err) = amphi::Server::start(config).await else {
        panic!("a tileset outside the map folder must be refused");
    };
    assert!(err.to_string().contains("outside the map root"), "{err}");

    // With the tileset beside the map, the folder is the root.
    let tileset = std::fs::read_to_string(root.join("tilesets/office.tsx")).unwrap();
    std::fs::write(root.join("maps/office.tsx"), tileset).unwrap();
    std::fs::copy(
        root.join("tilesets/office.png"),
        root.join("maps/office.png"),
    )
    .unwrap();
    std::fs::write(&map, super::common::maps::tmx("office.tsx", true)).unwrap();
    let server = server_for(&map, None).await;
    assert_eq!(server.get("/venue/office.png").await.status, 200);
    assert_eq!(
        server.get("/venue/../tilesets/office.png").await.status,
        404
    );
    server.stop().await;
}
