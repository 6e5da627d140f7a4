//! Joining: the `welcome`, and every way a `hello` can be refused.

use crate::common::{Client, Ended, TestServer, WAIT, as_u16, is_type};
use crate::venue;
use amphi::domain::Role;
use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[tokio::test]
async fn welcome_carries_protocol_identity_venue_people_chat_and_limits() {
    let server = TestServer::start().await;
    let (mut first, first_welcome) = Client::join(&server, Role::Moderator, "Mod Érable").await;
    let (_second, welcome) = Client::join(&server, Role::Participant, "  Zoé   Martin ").await;
    let w = &welcome.0;

    assert_eq!(w["protocol"], amphi::protocol::PROTOCOL_VERSION);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let server_time = w["server_time"].as_i64().unwrap();
    assert!(
        (server_time - now).abs() < 5_000,
        "server_time {server_time} vs {now}"
    );
    assert_eq!(w["you"]["name"], "Zoé Martin", "names are cleaned");
    assert_eq!(w["you"]["role"], "participant");
    assert!(w["you"]["team"].is_null());
    assert_ne!(welcome.id(), first_welcome.id());
    let session = welcome.session();
    assert!(
        session.len() >= 20,
        "an unguessable session token: {session}"
    );
    assert_ne!(session, first_welcome.session());
    assert_eq!(w["resumed"], false);
    assert_eq!(w["event"]["id"], "demo");

    // The venue (its rooms with their geometry and access) is served where
    // the welcome says, not repeated in it.
    assert!(w.get("venue").is_none(), "no venue geometry in the welcome");
    assert_eq!(w["venue_url"], "/api/events/demo/venue");
    let served = server.get(w["venue_url"].as_str().unwrap()).await;
    assert_eq!(served.status, 200, "{}", w["venue_url"]);
    let served: serde_json::Value = serde_json::from_str(&served.body).unwrap();
    let v = venue();
    assert_eq!(served["width"], v.width);
    assert_eq!(served["height"], v.height);
    let rooms = served["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), v.rooms.len());
    let jury = rooms.iter().find(|r| r["id"] == "jury").unwrap();
    assert_eq!(jury["kind"], "jury_room");
    assert_eq!(jury["roles"], json!(["moderator", "jury"]));
    assert!(jury["rect"]["w"].as_u64().unwrap() > 0);
    for kind in ["amphitheatre", "team_table", "mentor_desk", "hall"] {
        assert!(rooms.iter().any(|r| r["kind"] == kind), "a {kind} room");
    }
    // The map to draw is served where the welcome says.
    let map = server.get(w["map_url"].as_str().unwrap()).await;
    assert_eq!(map.status, 200, "{}", w["map_url"]);
    let map: serde_json::Value = serde_json::from_str(&map.body).unwrap();
    assert!(map["layers"].is_array());

    // People: both, each once; self on a spawn point in a room.
    let people = w["people"].as_array().unwrap();
    assert_eq!(people.len(), 2, "{people:?}");
    assert_eq!(welcome.people_with(first_welcome.id()).len(), 1);
    let me = welcome.me();
    assert_eq!(me["name"], "Zoé Martin");
    assert_eq!(me["status"], "available");
    let spawn = amphi::venue::Tile::new(as_u16(&me["x"]), as_u16(&me["y"]));
    assert!(
        v.spawns_for(Role::Participant).any(|t| t == spawn),
        "appears on a spawn point: {me}"
    );
    let room = v.room(v.room_at(spawn).unwrap());
    assert_eq!(me["room"], room.id.as_str());

    // Chat and teams (the demo has three teams).
    assert!(w["chat"].as_array().unwrap().is_empty());
    assert_eq!(w["last_seq"], 0);
    assert_eq!(w["teams"].as_array().unwrap().len(), 3);

    // Limits, as configured.
    assert_eq!(
        w["limits"],
        json!({"max_chat_chars": 1000, "max_name_chars": 40, "steps_per_second": 8,
               "tick_hz": 60, "tick_phases": 4, "max_frame_bytes": 65536})
    );

    // The first person hears of the second.
    let joined = first.recv_type("person_joined").await;
    assert_eq!(joined["person"]["id"], welcome.id());
    assert_eq!(joined["person"]["name"], "Zoé Martin");
    assert_eq!(joined["person"]["room"], room.id.as_str());
}

#[tokio::test]
async fn new_people_get_a_full_snapshot_of_their_room() {
    let server = TestServer::start().await;
    let (_a, a) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, b_welcome) = Client::join(&server, Role::Participant, "Bea").await;
    let (room, _, _) = b_welcome.position();
    let batch = b
        .recv_until(|m| is_type(m, "positions") && m["full"] == true, WAIT)
        .await;
    assert_eq!(batch["room"], room.as_str());
    let ids: Vec<u64> = batch["p"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[0].as_u64().unwrap())
        .collect();
    assert!(ids.contains(&u64::from(a.id())) && ids.contains(&u64::from(b_welcome.id())));
}

#[tokio::test]
async fn spectators_watch_without_an_avatar() {
    let server = TestServer::start().await;
    let (mut watcher, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut spectator, welcome) = Client::join(&server, Role::Spectator, "Public").await;
    assert!(welcome.people_with(welcome.id()).is_empty(), "no avatar");
    assert_eq!(
        spectator
            .call_err(json!({"type": "step", "dx": 1, "dy": 0}))
            .await,
        "forbidden"
    );
    assert_eq!(
        spectator
            .call_err(json!({"type": "chat", "scope": "room", "text": "hi"}))
            .await,
        "forbidden"
    );
    watcher.barrier().await;
    watcher.assert_never_received("a spectator's avatar", |m| {
        is_type(m, "person_joined") && m["person"]["id"] == welcome.id()
    });
}

#[tokio::test]
async fn an_invalid_invite_is_refused_and_the_connection_may_try_again() {
    let server = TestServer::start().await;
    let mut client = Client::connect(&server).await;
    client
        .send_json(json!({"type": "hello", "protocol": 2, "invite": "not-a-token", "name": "Eve", "rid": 3}))
        .await;
    let err = client.expect_error("invalid_invite").await;
    assert_eq!(err["rid"], 3);
    // An invite of another event's id is refused too.
    client
        .send_json(json!({"type": "hello", "protocol": 2, "event": "other", "invite": server.join_link(Role::Participant), "name": "Eve"}))
        .await;
    client.expect_error("unknown_event").await;
    // Neither closed the connection: a valid hello still works.
    let welcome = client
        .hello_invite(&server.join_link(Role::Participant), "Eve")
        .await;
    assert_eq!(welcome.0["you"]["name"], "Eve");
}

#[tokio::test]
async fn names_must_be_given_and_short_enough() {
    let server = TestServer::start().await;
    let token = server.join_link(Role::Participant);
    let mut client = Client::connect(&server).await;
    for hello in [
        json!({"type": "hello", "protocol": 2, "invite": token}),
        json!({"type": "hello", "protocol": 2, "invite": token, "name": " \t\u{202E} "}),
        json!({"type": "hello", "protocol": 2, "invite": token, "name": "é".repeat(41)}),
    ] {
        client.send_json(hello.clone()).await;
        let err = client.expect_error("invalid_name").await;
        assert!(
            err["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{hello}"
        );
    }
    let welcome = client.hello_invite(&token, &"é".repeat(40)).await;
    assert_eq!(welcome.0["you"]["name"], "é".repeat(40));
}

#[tokio::test]
async fn a_hello_needs_an_invite_or_a_session() {
    let server = TestServer::start().await;
    let mut client = Client::connect(&server).await;
    client
        .send_json(json!({"type": "hello", "protocol": 2, "name": "Eve"}))
        .await;
    client.expect_error("invalid_message").await;
    client
        .send_json(
            json!({"type": "hello", "protocol": 2, "resume": "forged-session", "last_seq": 0}),
        )
        .await;
    client.expect_error("invalid_session").await;
    client.assert_alive().await;
}

#[tokio::test]
async fn a_wrong_protocol_version_is_refused() {
    let server = TestServer::start().await;
    let mut client = Client::connect(&server).await;
    client
        .send_json(json!({"type": "hello", "protocol": 1, "invite": server.join_link(Role::Participant), "name": "Eve", "rid": 1}))
        .await;
    let err = client.expect_error("protocol_version").await;
    assert_eq!(err["rid"], 1);
    client.assert_alive().await;
}

#[tokio::test]
async fn commands_before_hello_are_refused() {
    let server = TestServer::start().await;
    let (mut other, _) = Client::join(&server, Role::Participant, "Ana").await;
    let mut client = Client::connect(&server).await;
    for (rid, command) in [
        json!({"type": "step", "dx": 1, "dy": 0}),
        json!({"type": "chat", "scope": "room", "text": "psst"}),
        json!({"type": "teleport", "room": "amphi"}),
        json!({"type": "set_status", "status": "busy"}),
    ]
    .into_iter()
    .enumerate()
    {
        let mut command = command;
        command["rid"] = json!(rid);
        client.send_json(command).await;
        let err = client.expect_error("not_joined").await;
        assert_eq!(err["rid"], rid);
    }
    client.assert_alive().await;
    other.barrier().await;
    other.assert_never_received("anything from a client that did not join", |m| {
        is_type(m, "chat") || is_type(m, "person_joined") || is_type(m, "status_changed")
    });
}

#[tokio::test]
async fn a_second_hello_is_refused() {
    let server = TestServer::start().await;
    let (mut client, welcome) = Client::join(&server, Role::Participant, "Ana").await;
    client
        .send_json(json!({"type": "hello", "protocol": 2, "invite": server.join_link(Role::Moderator), "name": "Boss", "rid": 9}))
        .await;
    let err = client.expect_error("already_joined").await;
    assert_eq!(err["rid"], 9);
    // Still the same participant.
    assert_eq!(
        client
            .call_err(json!({"type": "chat", "scope": "announcement", "text": "I am the boss"}))
            .await,
        "forbidden"
    );
    let _ = welcome;
}

#[tokio::test]
async fn a_connection_without_hello_is_closed_after_the_timeout() {
    let server = TestServer::with_config(|c| c.hello_timeout_secs = 1).await;
    let mut client = Client::connect(&server).await;
    match client.recv_close(Duration::from_secs(3)).await {
        Ended::Close(code, _) => assert_eq!(code, 4003),
        other => panic!("expected close 4003, got {other:?}"),
    }
}
