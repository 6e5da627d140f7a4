//! The lifecycle enforced by the server: scores only while live or judging;
//! an archived event still serves its pages but refuses every write with
//! `event_archived`.

use super::*;

async fn phase(server: &TestServer, slug: &str, phase: &str) -> Value {
    let path = format!("/api/admin/events/{slug}/phase");
    let response = admin(server, "POST", &path, json!({ "phase": phase })).await;
    assert_eq!(response.status, 200, "{}", response.body);
    json_of(&response)
}

async fn invite(moderator: &mut Client, role: &str) -> String {
    let rid = moderator
        .request(json!({"type": "create_invite", "role": role, "team": null, "label": "", "expires_at": null, "max_uses": null}))
        .await;
    let created = moderator
        .recv_until(|m| is_type(m, "invite_created") && m["rid"] == rid, WAIT)
        .await;
    created["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn scores_only_while_live_or_judging_and_an_archived_event_is_read_only() {
    let server = server().await;
    let created = create(
        &server,
        json!({"title": "Hackathon Archives", "slug": "archives"}),
    )
    .await;
    let (mut moderator, welcome) =
        join_moderator(&server, "archives", &created["moderator_link"]).await;
    assert_eq!(welcome["event"]["phase"], "draft");
    let moderator_session = welcome["session"].as_str().unwrap().to_string();
    moderator
        .call(json!({"type": "add_team", "name": "Open Mairie", "challenge": null}))
        .await;
    moderator
        .call(json!({"type": "jury", "op": "open_judging"}))
        .await;
    let jury_invite = invite(&mut moderator, "jury").await;
    let late_invite = invite(&mut moderator, "participant").await;
    let mut juror = Client::connect(&server).await;
    let welcome = hello(&mut juror, "archives", &jury_invite, "Juré").await;
    assert!(is_type(&welcome, "welcome"), "{welcome}");
    let score =
        json!({"type": "jury", "op": "score", "team": 1, "criterion": "impact", "value": 7});

    // Draft: judging is open, but no score yet.
    let err = juror.call_err(score.clone()).await;
    assert_eq!(err, "not_in_this_phase");
    phase(&server, "archives", "live").await;
    juror
        .recv_until(
            |m| is_type(m, "event_updated") && m["event"]["phase"] == "live",
            WAIT,
        )
        .await;
    juror.call(score.clone()).await;
    phase(&server, "archives", "results").await;
    assert_eq!(juror.call_err(score.clone()).await, "not_in_this_phase");

    let archived = admin(
        &server,
        "POST",
        "/api/admin/events/archives/archive",
        Value::Null,
    )
    .await;
    assert_eq!(json_of(&archived)["phase"], "archived", "{}", archived.body);
    moderator
        .recv_until(
            |m| is_type(m, "event_updated") && m["event"]["phase"] == "archived",
            WAIT,
        )
        .await;
    // Every write is refused with the same typed error…
    let chat = json!({"type": "chat", "scope": "announcement", "text": "Encore là ?"});
    assert_eq!(moderator.call_err(chat).await, "event_archived");
    assert_eq!(juror.call_err(score).await, "event_archived");
    let team = json!({"type": "add_team", "name": "Trop tard", "challenge": null});
    assert_eq!(moderator.call_err(team).await, "event_archived");
    let mut late = Client::connect(&server).await;
    let refused = hello(&mut late, "archives", &late_invite, "Retardataire").await;
    assert_eq!(refused["code"], "event_archived", "{refused}");
    for (method, path, body) in [
        (
            "PUT",
            "/api/admin/events/archives",
            json!({"settings": {"title": "X", "slug": "archives"}}),
        ),
        (
            "POST",
            "/api/admin/events/archives/phase",
            json!({"phase": "live"}),
        ),
    ] {
        let response = admin(&server, method, path, body).await;
        assert_eq!(response.status, 409, "{path}: {}", response.body);
        assert_eq!(json_of(&response)["code"], "event_archived");
    }
    let settings = json!({"settings": {"title": "X", "slug": "archives"}});
    let response = call(
        &server,
        "PUT",
        "/api/events/archives/settings",
        &moderator_session,
        settings,
    )
    .await;
    assert_eq!(
        json_of(&response)["code"],
        "event_archived",
        "{}",
        response.body
    );
    // …while its pages still serve, and its people may still come back and look.
    assert_eq!(server.get("/api/events/archives/venue").await.status, 200);
    assert_eq!(server.get("/api/events/archives/map").await.status, 200);
    let mut back = Client::connect(&server).await;
    back.send_json(json!({"type": "hello", "protocol": 2, "event": "archives", "resume": moderator_session, "last_seq": 0}))
        .await;
    let welcome = back
        .recv_until(|m| is_type(m, "welcome") || is_type(m, "error"), WAIT)
        .await;
    assert_eq!(welcome["event"]["phase"], "archived", "{welcome}");
    // An archived event can still be cloned into a new edition.
    let response = admin(
        &server,
        "POST",
        "/api/admin/events/archives/clone",
        json!({"title": "Hackathon Archives 2", "slug": "archives-2"}),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
}

#[tokio::test]
async fn capacity_refuses_one_participant_too_many() {
    let server = server().await;
    let created = create(
        &server,
        json!({"title": "Petit comité", "slug": "petit", "capacity": 1}),
    )
    .await;
    let (mut moderator, _) = join_moderator(&server, "petit", &created["moderator_link"]).await;
    let first = invite(&mut moderator, "participant").await;
    let second = invite(&mut moderator, "participant").await;
    let mut one = Client::connect(&server).await;
    assert!(is_type(
        &hello(&mut one, "petit", &first, "Une").await,
        "welcome"
    ));
    let mut two = Client::connect(&server).await;
    let refused = hello(&mut two, "petit", &second, "Deux").await;
    assert_eq!(refused["code"], "event_full", "{refused}");
}
