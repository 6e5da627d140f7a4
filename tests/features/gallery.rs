//! The public gallery and its open data through the real server: nothing
//! before publication but the pages their teams opted in, every page after;
//! labels and links shown; no juror data anywhere; JSON, CSV and DCAT-AP
//! that parse and say what a portal needs.

use crate::common::{Client, TestServer};
use crate::projects::{page, project};
use crate::{CARTOGRAPHES, OPEN_MAIRIE, op, single_criterion_rubric};
use amphi::domain::Role;
use serde_json::{Value, json};

async fn gallery(server: &TestServer) -> Value {
    let response = server.get("/api/events/demo/gallery.json").await;
    assert_eq!(response.status, 200, "{}", response.body);
    serde_json::from_str(&response.body).unwrap()
}

fn names(gallery: &Value) -> Vec<String> {
    gallery["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_gallery_shows_opted_in_pages_then_every_page_once_results_are_out() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut juror, _) = Client::join(&server, Role::Jury, "Jules Juré").await;
    ana.call(json!({"type": "join_team", "team": CARTOGRAPHES}))
        .await;
    bea.call(json!({"type": "join_team", "team": OPEN_MAIRIE}))
        .await;
    ana.call(page("Cartes ouvertes")).await;
    bea.call(page("Mairie ouverte")).await;

    // The page itself needs no login; unknown events are not found.
    let html = server.get("/e/demo/gallery").await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains("/js/gallery.js"));
    assert_eq!(server.get("/e/nope/gallery").await.status, 404);
    assert_eq!(
        server.get("/api/events/nope/gallery.json").await.status,
        404
    );

    // Before publication: only opted-in pages.
    assert!(names(&gallery(&server).await).is_empty());
    bea.call(project("set_public", json!({"public": true})))
        .await;
    let before = gallery(&server).await;
    assert_eq!(before["results_published"], false);
    assert_eq!(names(&before), vec!["Mairie ouverte"]);

    // Judging, a label, publication: every page, with its labels.
    moderator.call(single_criterion_rubric()).await;
    moderator.call(op("jury", "open_judging", json!({}))).await;
    juror
        .call(op(
            "jury",
            "score",
            json!({"team": CARTOGRAPHES, "criterion": "overall", "value": 9}),
        ))
        .await;
    moderator.call(op("jury", "close_judging", json!({}))).await;
    moderator
        .call(op(
            "award",
            "define",
            json!({"id": "libris", "name": "Libris"}),
        ))
        .await;
    moderator
        .call(op(
            "award",
            "give",
            json!({"award": "libris", "team": CARTOGRAPHES}),
        ))
        .await;
    assert_eq!(names(&gallery(&server).await), vec!["Mairie ouverte"]);
    moderator.call(op("jury", "publish", json!({}))).await;
    let after = gallery(&server).await;
    assert_eq!(after["results_published"], true);
    assert_eq!(names(&after), vec!["Cartes ouvertes", "Mairie ouverte"]);
    let cartes = &after["projects"][0];
    assert_eq!(cartes["awards"], json!(["Libris"]));
    assert_eq!(cartes["licence"], "EUPL-1.2");
    assert_eq!(cartes["osi_approved"], true);
    assert_eq!(cartes["repository"], "https://forge.example.org/cartes");

    // The open data: JSON (above), CSV with its header, DCAT-AP.
    let csv = server.get("/api/events/demo/gallery.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "team,team_name,name,summary,challenge,repository,licence,osi_approved,datasets,demo,slides,screenshots,awards"
    );
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("1,Les Cartographes,Cartes ouvertes,"));
    let dcat = server.get("/api/events/demo/gallery.dcat.json").await;
    assert_eq!(dcat.status, 200);
    let dcat: Value = serde_json::from_str(&dcat.body).unwrap();
    assert_eq!(dcat["@type"], "dcat:Dataset");
    assert!(
        dcat["dct:title"][0]["@value"]
            .as_str()
            .unwrap()
            .starts_with("Projets")
    );
    assert!(dcat["dct:publisher"]["foaf:name"].is_string());
    assert!(
        dcat["dct:license"]["@id"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let base = format!("http://{}", server.addr());
    for (i, ext) in ["json", "csv"].into_iter().enumerate() {
        let url = dcat["dcat:distribution"][i]["dcat:downloadURL"]["@id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(url, format!("{base}/api/events/demo/gallery.{ext}"));
        let path = url.strip_prefix(&base).unwrap();
        assert_eq!(server.get(path).await.status, 200, "{url}");
    }

    // No juror data in any of them.
    let documents = [after.to_string(), csv.body.clone(), dcat.to_string()];
    for doc in &documents {
        for secret in ["Jules", "score", "overall", "juror", "\"rank\""] {
            assert!(!doc.contains(secret), "{secret} in {doc}");
        }
    }
}
