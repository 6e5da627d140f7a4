//! The operator's admin API: create, list, show, update, clone, delete, and
//! every bad input answered with a typed error naming the field.

use super::*;

fn region(slug: &str) -> Value {
    json!({
        "title": "Hackathon Donnée en Région",
        "slug": slug,
        "time_zone": "Europe/Paris",
        "languages": ["fr", "en"],
        "starts_on": "2027-03-12",
        "ends_on": "2027-03-13",
        "map": "campus",
        "capacity": 120,
        "team_size": 6,
    })
}

#[tokio::test]
async fn an_event_is_created_listed_shown_updated_and_deleted_without_a_restart() {
    let server = server().await;
    let template = json!({
        "pitch_seconds": 240,
        "qa_seconds": 60,
        "rubric": [
            {"id": "impact", "label": "Impact", "weight": 2.0, "max": 10},
            {"id": "data", "label": "Données", "weight": 1.0, "max": 5}
        ],
        "labels": [{"id": "libris", "name": "Libris", "description": "Logiciel libre"}],
        "challenges": [{"title": "Mobilités rurales", "description": "Les données de transport"}]
    });
    let response = admin(
        &server,
        "POST",
        "/api/admin/events",
        json!({"settings": region("donnee-region"), "template": template}),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
    let created = json_of(&response);
    let event = &created["event"];
    assert_eq!(event["id"], "donnee-region");
    assert_eq!(event["phase"], "draft");
    assert_eq!(event["settings"]["capacity"], 120);
    assert_eq!(event["template"]["pitch_seconds"], 240);
    assert_eq!(event["template"]["rubric"][0]["weight"], 2.0);
    assert_eq!(event["template"]["labels"][0]["id"], "libris");
    assert_eq!(
        event["template"]["challenges"][0]["title"],
        "Mobilités rurales"
    );
    assert!(
        created["moderator_link"]
            .as_str()
            .unwrap()
            .contains("?event=donnee-region&invite=")
    );

    let list = json_of(&admin(&server, "GET", "/api/admin/events", Value::Null).await);
    let ids: Vec<&str> = list["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["demo", "donnee-region"], "the demo and the new event");

    let mut settings = region("donnee-region");
    settings["title"] = json!("Hackathon Donnée en Région 2027");
    settings["capacity"] = json!(200);
    let updated = admin(
        &server,
        "PUT",
        "/api/admin/events/donnee-region",
        json!({ "settings": settings }),
    )
    .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let shown = json_of(
        &admin(
            &server,
            "GET",
            "/api/admin/events/donnee-region",
            Value::Null,
        )
        .await,
    );
    assert_eq!(shown["title"], "Hackathon Donnée en Région 2027");
    assert_eq!(shown["settings"]["capacity"], 200);

    let deleted = admin(
        &server,
        "DELETE",
        "/api/admin/events/donnee-region",
        Value::Null,
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let gone = admin(
        &server,
        "GET",
        "/api/admin/events/donnee-region",
        Value::Null,
    )
    .await;
    assert_eq!(gone.status, 404);
    assert_eq!(json_of(&gone)["code"], "unknown_event");
    let mut client = Client::connect(&server).await;
    let refused = hello(
        &mut client,
        "donnee-region",
        &token_in(&created["moderator_link"]),
        "M",
    )
    .await;
    assert_eq!(refused["code"], "unknown_event", "{refused}");
    // The slug is free again: its directory went with it.
    create(&server, region("donnee-region")).await;
}

#[tokio::test]
async fn bad_settings_are_refused_naming_the_field_and_create_nothing() {
    let server = server().await;
    create(&server, region("taken")).await;
    let with = |change: fn(&mut Value)| {
        let mut settings = region("fresh");
        change(&mut settings);
        settings
    };
    let cases: Vec<(Value, &str, &str, u16)> = vec![
        (region("taken"), "slug", "duplicate_slug", 409),
        (region("demo"), "slug", "duplicate_slug", 409),
        (
            with(|s| s["slug"] = json!("Pas Bon")),
            "slug",
            "invalid_slug",
            400,
        ),
        (
            with(|s| s["capacity"] = json!(0)),
            "capacity",
            "invalid_capacity",
            400,
        ),
        (
            with(|s| s["ends_on"] = json!("2027-03-01")),
            "ends_on",
            "dates_out_of_order",
            400,
        ),
        (
            with(|s| s["time_zone"] = json!("Europe/Atlantis")),
            "time_zone",
            "unknown_time_zone",
            400,
        ),
        (
            with(|s| s["map"] = json!("moon")),
            "map",
            "invalid_map",
            400,
        ),
        (
            with(|s| s["title"] = json!("")),
            "title",
            "invalid_title",
            400,
        ),
    ];
    for (settings, field, code, status) in cases {
        let response = admin(
            &server,
            "POST",
            "/api/admin/events",
            json!({ "settings": settings }),
        )
        .await;
        assert_eq!(response.status, status, "{field}: {}", response.body);
        let body = json_of(&response);
        assert_eq!(
            (body["field"].as_str(), body["code"].as_str()),
            (Some(field), Some(code)),
            "{body}"
        );
    }
    // A map with errors: every problem listed.
    let broken = json!({"type": "map", "orientation": "orthogonal", "width": 0, "height": 0,
        "tilewidth": 0, "tileheight": 32, "layers": [], "tilesets": []});
    let mut settings = region("uploaded-one");
    settings["map"] = json!("uploaded");
    let response = admin(
        &server,
        "POST",
        "/api/admin/events",
        json!({"settings": settings, "map_tmj": broken.to_string()}),
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.body);
    let body = json_of(&response);
    assert_eq!(body["code"], "invalid_map");
    assert!(body["problems"].as_array().unwrap().len() >= 2, "{body}");
    // A bad template (rubric) is refused by the jury's own rule, before
    // anything is written.
    let response = admin(
        &server,
        "POST",
        "/api/admin/events",
        json!({"settings": region("bad-rubric"), "template": {"rubric": [{"id": "Bad Id", "label": "x", "weight": 1.0, "max": 10}]}}),
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.body);
    // Unknown fields are refused, not ignored.
    let mut settings = region("typo");
    settings["capacitee"] = json!(3);
    let response = admin(
        &server,
        "POST",
        "/api/admin/events",
        json!({ "settings": settings }),
    )
    .await;
    assert_eq!(
        json_of(&response)["code"],
        "invalid_message",
        "{}",
        response.body
    );

    let list = json_of(&admin(&server, "GET", "/api/admin/events", Value::Null).await);
    assert_eq!(
        list["events"].as_array().unwrap().len(),
        2,
        "demo and taken only: {list}"
    );
    // Changing the slug or the map after creation is refused too.
    let mut settings = region("taken");
    settings["map"] = json!("default");
    let response = admin(
        &server,
        "PUT",
        "/api/admin/events/taken",
        json!({ "settings": settings }),
    )
    .await;
    assert_eq!(json_of(&response)["field"], "map", "{}", response.body);
    let response = admin(
        &server,
        "PUT",
        "/api/admin/events/taken",
        json!({ "settings": region("other") }),
    )
    .await;
    assert_eq!(
        json_of(&response)["code"],
        "slug_fixed",
        "{}",
        response.body
    );
}

#[tokio::test]
async fn a_clone_copies_settings_map_and_template_but_no_people() {
    let server = server().await;
    let created = admin(
        &server,
        "POST",
        "/api/admin/events",
        json!({"settings": region("edition-2027"), "template": {
            "labels": [{"id": "king_of_data", "name": "King of data"}],
            "challenges": [{"title": "Eau potable"}]
        }}),
    )
    .await;
    let created = json_of(&created);
    let (mut moderator, _) =
        join_moderator(&server, "edition-2027", &created["moderator_link"]).await;
    moderator
        .call(json!({"type": "chat", "scope": "announcement", "text": "Bienvenue"}))
        .await;

    let response = admin(
        &server,
        "POST",
        "/api/admin/events/edition-2027/clone",
        json!({"title": "Hackathon Donnée en Région 2028", "slug": "edition-2028"}),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
    let clone = json_of(&response);
    let event = &clone["event"];
    assert_eq!(event["id"], "edition-2028");
    assert_eq!(event["title"], "Hackathon Donnée en Région 2028");
    assert_eq!(event["phase"], "draft");
    assert_eq!(event["members"], 0, "no people: {event}");
    assert_eq!(event["settings"]["map"], "campus");
    assert_eq!(event["settings"]["capacity"], 120);
    assert_eq!(event["template"], created["event"]["template"]);
    let (_, welcome) = join_moderator(&server, "edition-2028", &clone["moderator_link"]).await;
    assert_eq!(welcome["map_url"], "/assets/maps/campus.tmj");
    assert!(
        welcome["chat"].as_array().unwrap().is_empty(),
        "no chat: {welcome}"
    );

    let response = admin(
        &server,
        "POST",
        "/api/admin/events/edition-2027/clone",
        json!({"title": "Encore", "slug": "edition-2028"}),
    )
    .await;
    assert_eq!(json_of(&response)["code"], "duplicate_slug");
}
