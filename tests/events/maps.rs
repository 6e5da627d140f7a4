//! An organizer's own Tiled map, uploaded with its tileset image: checked
//! before it is accepted (every problem listed, nothing changed), kept in
//! the event's directory (a restart and a clone keep it), its image served
//! at the URL the map clients draw points to, for that event only.

use super::*;
use amphi_testkit::maps::{embedded_tileset, office_png, png, tmj};
use base64::Engine;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn settings(slug: &str) -> Value {
    json!({"title": "Hackathon de la Préfecture", "slug": slug, "map": "uploaded", "team_size": 5})
}

/// The image URL the event's drawable map points its tileset at.
async fn tileset_image_url(server: &TestServer, event: &str) -> String {
    let map = common::http_get(server.addr(), &format!("/api/events/{event}/map")).await;
    assert_eq!(map.status, 200, "{}", map.body);
    let map: Value = serde_json::from_str(&map.body).unwrap();
    map["tilesets"][0]["image"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_uploaded_map_with_its_image_is_served_kept_and_cloned() {
    let dir = common::owned_data_dir();
    let with_operator = |c: &mut amphi::config::Config| {
        c.admin_token = Some(amphi::config::SecretString::new(OPERATOR))
    };
    let first =
        TestServer::start_in(&dir, amphi::store::StoreOptions::default(), with_operator).await;
    let image = office_png();
    let response = admin(
        &first,
        "POST",
        "/api/admin/events",
        json!({"settings": settings("prefecture"),
               "map_tmj": tmj(embedded_tileset("../tilesets/office.png")),
               "map_files": {"office.png": b64(&image)}}),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
    let created = json_of(&response);
    let (_, welcome) = join_moderator(&first, "prefecture", &created["moderator_link"]).await;
    assert_eq!(welcome["map_url"], "/api/events/prefecture/map");
    let url = tileset_image_url(&first, "prefecture").await;
    assert_eq!(url, "/api/events/prefecture/map-files/office.png");
    assert_eq!(
        common::http_get_bytes(first.addr(), &url).await,
        (200, image.clone())
    );
    let served = common::http_get(first.addr(), &url).await;
    assert_eq!(served.header("content-type"), Some("image/png"));
    // That event's files only, plain names only.
    for other in [
        "/api/events/demo/map-files/office.png",
        "/api/events/prefecture/map-files/..%2Fmap-choice",
        "/api/events/prefecture/map-files/map-choice",
    ] {
        assert_eq!(
            common::http_get(first.addr(), other).await.status,
            404,
            "{other}"
        );
    }

    let cloned = admin(
        &first,
        "POST",
        "/api/admin/events/prefecture/clone",
        json!({"title": "Édition 2028", "slug": "prefecture-2028"}),
    )
    .await;
    assert_eq!(cloned.status, 201, "{}", cloned.body);
    let url = tileset_image_url(&first, "prefecture-2028").await;
    assert_eq!(url, "/api/events/prefecture-2028/map-files/office.png");
    assert_eq!(
        common::http_get_bytes(first.addr(), &url).await,
        (200, image.clone())
    );
    first.stop().await;

    let second =
        TestServer::start_in(&dir, amphi::store::StoreOptions::default(), with_operator).await;
    let url = tileset_image_url(&second, "prefecture").await;
    assert_eq!(
        common::http_get_bytes(second.addr(), &url).await,
        (200, image)
    );
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_bad_upload_lists_every_problem_and_changes_nothing() {
    let server = server().await;
    let before = admin(&server, "GET", "/api/admin/events", Value::Null)
        .await
        .body;
    let narrow = png(16, 16, |_, _| [0, 0, 0]);
    let cases = [
        // Wrong dimensions, a name that climbs out, a file for nothing, bad base64.
        (
            json!({"office.png": b64(&narrow), "../evil.png": b64(&office_png()),
                   "notes.txt": b64(b"hi"), "other.png": "not base64!"}),
            vec![
                "32×16",
                "'../evil.png': not a plain file name",
                "'notes.txt' is not used",
                "'other.png': not valid base64",
            ],
        ),
        // Not a PNG.
        (
            json!({"office.png": b64(b"GIF89a....")}),
            vec!["not a usable PNG"],
        ),
        // The image missing.
        (
            json!({}),
            vec!["image 'office.png' was not sent with the map"],
        ),
    ];
    for (files, expected) in cases {
        let response = admin(
            &server,
            "POST",
            "/api/admin/events",
            json!({"settings": settings("refused"),
                   "map_tmj": tmj(embedded_tileset("office.png")), "map_files": files}),
        )
        .await;
        assert_eq!(response.status, 400, "{}", response.body);
        let body = json_of(&response);
        assert_eq!(
            (body["code"].as_str(), body["field"].as_str()),
            (Some("invalid_map"), Some("map"))
        );
        let problems = body["problems"].to_string();
        for wanted in expected {
            assert!(problems.contains(wanted), "{wanted} in {problems}");
        }
    }
    // An external tileset missing too.
    let response = admin(
        &server,
        "POST",
        "/api/admin/events",
        json!({"settings": settings("refused"),
               "map_tmj": tmj(json!({"firstgid": 1, "source": "../tilesets/office.tsx"}))}),
    )
    .await;
    assert!(
        response.body.contains("'office.tsx' was not sent"),
        "{}",
        response.body
    );
    let after = admin(&server, "GET", "/api/admin/events", Value::Null)
        .await
        .body;
    assert_eq!(before, after, "nothing created");
    assert_eq!(
        common::http_get(server.addr(), "/api/events/refused/map")
            .await
            .status,
        404
    );
}
