//! Two events at once, each on its own map with its own people; a token or
//! session of one opens nothing in the other, and the operator's token is
//! no event invite (nor the reverse).

use super::*;

/// Creates an event on `map`, moves it to `live`, and joins its moderator.
async fn live_event(server: &TestServer, slug: &str, map: &str) -> (Client, Value) {
    let created = create(
        server,
        json!({"title": format!("Hackathon {slug}"), "slug": slug, "map": map}),
    )
    .await;
    let path = format!("/api/admin/events/{slug}/phase");
    let live = admin(server, "POST", &path, json!({"phase": "live"})).await;
    assert_eq!(json_of(&live)["phase"], "live", "{}", live.body);
    join_moderator(server, slug, &created["moderator_link"]).await
}

#[tokio::test]
async fn two_events_with_different_maps_run_at_once_each_with_its_people() {
    let server = server().await;
    let (mut mod_a, welcome_a) = live_event(&server, "ville-a", "default").await;
    let (mut mod_b, welcome_b) = live_event(&server, "ville-b", "campus").await;
    assert_eq!(welcome_a["map_url"], "/assets/maps/default.tmj");
    assert_eq!(welcome_b["map_url"], "/assets/maps/campus.tmj");
    assert_eq!(welcome_a["event"]["phase"], "live");
    let venue_a = json_of(&server.get("/api/events/ville-a/venue").await);
    let venue_b = json_of(&server.get("/api/events/ville-b/venue").await);
    assert_ne!(venue_a, venue_b, "two different maps");

    let invite_a = participant_invite(&mut mod_a).await;
    let invite_b = participant_invite(&mut mod_b).await;
    let mut alice = Client::connect(&server).await;
    let welcome = hello(&mut alice, "ville-a", &invite_a, "Alice").await;
    assert!(is_type(&welcome, "welcome"), "{welcome}");
    let mut bob = Client::connect(&server).await;
    let welcome = hello(&mut bob, "ville-b", &invite_b, "Bob").await;
    assert!(is_type(&welcome, "welcome"), "{welcome}");
    // The same name is free in the other event: people are per event.
    let mut other_alice = Client::connect(&server).await;
    let invite_b2 = participant_invite(&mut mod_b).await;
    let welcome = hello(&mut other_alice, "ville-b", &invite_b2, "Alice").await;
    assert!(is_type(&welcome, "welcome"), "{welcome}");

    mod_a
        .call(json!({"type": "chat", "scope": "announcement", "text": "Annonce de la ville A"}))
        .await;
    mod_b
        .call(json!({"type": "chat", "scope": "announcement", "text": "Annonce de la ville B"}))
        .await;
    alice
        .recv_until(|m| common::is_chat(m, "Annonce de la ville A"), WAIT)
        .await;
    bob.recv_until(|m| common::is_chat(m, "Annonce de la ville B"), WAIT)
        .await;
    alice.barrier().await;
    bob.barrier().await;
    alice.assert_never_received("B's announcement", |m| {
        common::is_chat(m, "Annonce de la ville B")
    });
    bob.assert_never_received("A's announcement", |m| {
        common::is_chat(m, "Annonce de la ville A")
    });
}

#[tokio::test]
async fn a_token_or_session_of_one_event_opens_nothing_in_another() {
    let server = server().await;
    let (mut mod_a, welcome_a) = live_event(&server, "ville-a", "default").await;
    let (_mod_b, _) = live_event(&server, "ville-b", "campus").await;
    let invite_a = participant_invite(&mut mod_a).await;

    // An invite of A, said to B.
    let mut client = Client::connect(&server).await;
    let refused = hello(&mut client, "ville-b", &invite_a, "Eve").await;
    assert_eq!(refused["code"], "invalid_invite", "{refused}");
    // A session of A, resumed in B.
    let session_a = welcome_a["session"].as_str().unwrap().to_string();
    client
        .send_json(json!({"type": "hello", "protocol": 2, "event": "ville-b", "resume": session_a, "last_seq": 0}))
        .await;
    client.expect_error("invalid_session").await;
    // A's moderator session on B's settings: refused; on A's: accepted.
    let settings = json!({"settings": {"title": "Pris", "slug": "ville-b", "map": "campus"}});
    let response = call(
        &server,
        "PUT",
        "/api/events/ville-b/settings",
        &session_a,
        settings,
    )
    .await;
    assert_eq!(response.status, 401, "{}", response.body);
    let settings = json!({"settings": {"title": "Ville A, édition 2", "slug": "ville-a"}});
    let response = call(
        &server,
        "PUT",
        "/api/events/ville-a/settings",
        &session_a,
        settings,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(json_of(&response)["title"], "Ville A, édition 2");
    mod_a
        .recv_until(
            |m| is_type(m, "event_updated") && m["event"]["title"] == "Ville A, édition 2",
            WAIT,
        )
        .await;
    // A moderator moves phases but never archives.
    let response = call(
        &server,
        "POST",
        "/api/events/ville-a/phase",
        &session_a,
        json!({"phase": "archived"}),
    )
    .await;
    assert_eq!(response.status, 403, "{}", response.body);

    // The operator token is no invite, and no event token opens the admin API.
    let refused = hello(&mut client, "ville-a", super::OPERATOR, "Op").await;
    assert_eq!(refused["code"], "operator_token", "{refused}");
    for token in [invite_a.as_str(), session_a.as_str(), "nothing"] {
        let response = call(&server, "GET", "/api/admin/events", token, Value::Null).await;
        assert_eq!(response.status, 401, "{}", response.body);
        assert_eq!(json_of(&response)["code"], "unauthorized");
    }
    let response = http_request(server.addr(), "GET", "/api/admin/events", &[], &[]).await;
    assert_eq!(response.status, 401);
}
