//! Chat: each scope reaches exactly its readers; history on join.

use crate::common::{Client, TestServer, WAIT, is_chat, is_type, texts};
use amphi::domain::Role;
use serde_json::json;

#[tokio::test]
async fn room_chat_reaches_the_room_only() {
    let server = TestServer::start().await;
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut c, _) = Client::join(&server, Role::Participant, "Cyr").await;
    c.call(json!({"type": "teleport", "room": "amphi"})).await;
    let (hall, _, _) = wa.position();

    a.call(json!({"type": "chat", "scope": "room", "text": "  salut le hall\n "}))
        .await;
    let got = b.recv_until(|m| is_chat(m, "salut le hall"), WAIT).await;
    let message = &got["message"];
    assert_eq!(message["channel"], format!("room:{hall}"));
    assert_eq!(message["from"], wa.id());
    assert_eq!(message["from_name"], "Ana");
    assert!(message["seq"].as_u64().unwrap() >= 1);
    assert!(message["at"].as_u64().unwrap() > 0);
    a.recv_until(|m| is_chat(m, "salut le hall"), WAIT).await;

    c.barrier().await;
    c.assert_never_received("the hall's chat", |m| is_chat(m, "salut le hall"));
    // And C's room chat does not reach the hall.
    c.call(json!({"type": "chat", "scope": "room", "text": "dans l'amphi"}))
        .await;
    let echoed = c.recv_until(|m| is_chat(m, "dans l'amphi"), WAIT).await;
    assert_eq!(echoed["message"]["channel"], "room:amphi");
    b.barrier().await;
    b.assert_never_received("the amphitheatre's chat", |m| is_chat(m, "dans l'amphi"));
}

#[tokio::test]
async fn team_chat_reaches_team_members_only() {
    let server = TestServer::start().await;
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, wb) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut c, _) = Client::join(&server, Role::Participant, "Cyr").await;

    assert_eq!(
        c.call_err(json!({"type": "chat", "scope": "team", "text": "anyone?"}))
            .await,
        "no_team"
    );
    a.call(json!({"type": "create_team", "name": "Les Licornes"}))
        .await;
    let created = b
        .recv_until(
            |m| is_type(m, "team_updated") && m["team"]["name"] == "Les Licornes",
            WAIT,
        )
        .await;
    let team = created["team"]["id"].as_u64().unwrap();
    assert_eq!(created["team"]["members"], json!([wa.id()]));
    let changed = c
        .recv_until(
            |m| is_type(m, "member_team_changed") && m["id"] == wa.id(),
            WAIT,
        )
        .await;
    assert_eq!(changed["team"], team);
    assert_eq!(
        b.call_err(json!({"type": "create_team", "name": "les licornes"}))
            .await,
        "duplicate_team_name"
    );

    a.call(json!({"type": "chat", "scope": "team", "text": "avant ton arrivée"}))
        .await;
    b.call(json!({"type": "join_team", "team": team})).await;
    // Joining a team brings its recent history.
    let history = b
        .recv_until(
            |m| is_type(m, "chat_history") && m["channel"] == format!("team:{team}"),
            WAIT,
        )
        .await;
    assert_eq!(
        texts(&history["messages"]),
        vec!["avant ton arrivée".to_string()]
    );

    a.call(json!({"type": "chat", "scope": "team", "text": "on code quoi ?"}))
        .await;
    let got = b.recv_until(|m| is_chat(m, "on code quoi ?"), WAIT).await;
    assert_eq!(got["message"]["channel"], format!("team:{team}"));
    b.call(json!({"type": "chat", "scope": "team", "text": "une carte"}))
        .await;
    a.recv_until(|m| is_chat(m, "une carte"), WAIT).await;
    let _ = wb;

    c.barrier().await;
    for text in ["avant ton arrivée", "on code quoi ?", "une carte"] {
        c.assert_never_received("the team's chat", |m| {
            is_chat(m, text) || (is_type(m, "chat_history") && m.to_string().contains(text))
        });
    }
    assert_eq!(
        c.call_err(json!({"type": "join_team", "team": 999})).await,
        "unknown_team"
    );
    assert_eq!(
        a.call_err(json!({"type": "join_team", "team": 1})).await,
        "already_in_team"
    );
}

#[tokio::test]
async fn direct_messages_reach_the_two_people_only() {
    let server = TestServer::start().await;
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, wb) = Client::join(&server, Role::Mentor, "Bea").await;
    let (mut c, _) = Client::join(&server, Role::Participant, "Cyr").await;

    a.call(json!({"type": "chat", "scope": "direct", "to": wb.id(), "text": "tu as une minute ?"}))
        .await;
    let got = b
        .recv_until(|m| is_chat(m, "tu as une minute ?"), WAIT)
        .await;
    let (lo, hi) = (wa.id().min(wb.id()), wa.id().max(wb.id()));
    assert_eq!(got["message"]["channel"], format!("dm:{lo}:{hi}"));
    assert_eq!(got["message"]["from"], wa.id());
    a.recv_until(|m| is_chat(m, "tu as une minute ?"), WAIT)
        .await;
    b.call(json!({"type": "chat", "scope": "direct", "to": wa.id(), "text": "oui"}))
        .await;
    a.recv_until(|m| is_chat(m, "oui"), WAIT).await;

    c.barrier().await;
    c.assert_never_received("a direct message between others", |m| {
        is_chat(m, "tu as une minute ?") || is_chat(m, "oui")
    });
    assert_eq!(
        a.call_err(json!({"type": "chat", "scope": "direct", "to": wa.id(), "text": "moi"}))
            .await,
        "message_to_self"
    );
    assert_eq!(
        a.call_err(json!({"type": "chat", "scope": "direct", "to": 9999, "text": "allo"}))
            .await,
        "unknown_member"
    );
    assert_eq!(
        a.call_err(json!({"type": "chat", "scope": "direct", "text": "à qui ?"}))
            .await,
        "invalid_message"
    );
}

#[tokio::test]
async fn announcements_are_for_the_moderator_to_post_and_everyone_to_read() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut a, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut j, _) = Client::join(&server, Role::Jury, "Juré").await;
    let (mut s, _) = Client::join(&server, Role::Spectator, "Public").await;
    j.call(json!({"type": "teleport", "room": "jury"})).await;

    moderator
        .call(json!({"type": "chat", "scope": "announcement", "text": "Pitchs à 16 h"}))
        .await;
    for client in [&mut moderator, &mut a, &mut j, &mut s] {
        let got = client
            .recv_until(|m| is_chat(m, "Pitchs à 16 h"), WAIT)
            .await;
        assert_eq!(got["message"]["channel"], "announcements");
    }
    for role_client in [&mut a, &mut j] {
        assert_eq!(
            role_client
                .call_err(json!({"type": "chat", "scope": "announcement", "text": "fake news"}))
                .await,
            "forbidden"
        );
    }
    s.barrier().await;
    s.assert_never_received("a refused announcement", |m| is_chat(m, "fake news"));
}

#[tokio::test]
async fn late_joiners_get_the_recent_history_of_their_channels() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, wb) = Client::join(&server, Role::Participant, "Bea").await;
    moderator
        .call(json!({"type": "chat", "scope": "announcement", "text": "Bienvenue à tous"}))
        .await;
    a.call(json!({"type": "chat", "scope": "room", "text": "le café est au fond"}))
        .await;
    a.call(json!({"type": "chat", "scope": "direct", "to": wb.id(), "text": "secret"}))
        .await;
    b.call(json!({"type": "teleport", "room": "amphi"})).await;
    b.call(json!({"type": "chat", "scope": "room", "text": "dans l'amphi"}))
        .await;

    let (_late, welcome) = Client::join(&server, Role::Participant, "Tardif").await;
    assert_eq!(
        welcome.position().0,
        wa.position().0,
        "the late joiner is in Ana's room"
    );
    let chat = welcome.chat_texts();
    assert_eq!(
        chat,
        vec![
            "Bienvenue à tous".to_string(),
            "le café est au fond".to_string()
        ],
        "announcements and the room's messages, oldest first; no DM, no other room"
    );
    assert_eq!(welcome.0["last_seq"], 4);
    let seqs: Vec<u64> = welcome.0["chat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 2]);
}

#[tokio::test]
async fn history_is_limited_per_channel() {
    let server = TestServer::with_config(|c| c.limits.history_per_channel = 3).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    for i in 0..5 {
        moderator
            .call(json!({"type": "chat", "scope": "announcement", "text": format!("annonce {i}")}))
            .await;
    }
    let (_late, welcome) = Client::join(&server, Role::Spectator, "Public").await;
    assert_eq!(
        welcome.chat_texts(),
        vec!["annonce 2", "annonce 3", "annonce 4"]
    );
}
