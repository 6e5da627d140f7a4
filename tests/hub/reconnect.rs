//! Reconnecting: within the grace period the avatar waits in place and the
//! missed chat is replayed; after it, the avatar is gone and comes back fresh.

use crate::common::{Client, Ended, TestServer, WAIT, as_u16, is_chat, is_type};
use crate::{free_step, neighbour, venue};
use amphi::domain::Role;
use amphi::venue::Tile;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn resuming_within_grace_keeps_the_avatar_and_replays_missed_chat() {
    let server = TestServer::start().await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let session = wa.session();

    // Move off the spawn point, and read one message before leaving.
    let (_, x, y) = wa.position();
    let d = free_step(&v, Tile::new(x, y), Role::Participant);
    let moved = neighbour(&v, Tile::new(x, y), d).unwrap();
    a.call(json!({"type": "step", "dx": d.0, "dy": d.1})).await;
    b.wait_position(wa.id(), moved.x, moved.y).await;
    b.call(json!({"type": "chat", "scope": "room", "text": "avant"}))
        .await;
    let seen = a
        .recv_until(|m| crate::common::is_chat(m, "avant"), WAIT)
        .await;
    let last_seq = seen["message"]["seq"].as_u64().unwrap();
    a.close().await;

    // Chat while Ana is away.
    b.call(json!({"type": "chat", "scope": "room", "text": "pendant ton absence"}))
        .await;
    moderator
        .call(json!({"type": "chat", "scope": "announcement", "text": "annonce manquée"}))
        .await;

    let (mut back, welcome) = Client::rejoin(&server, &session, last_seq).await;
    assert_eq!(welcome.0["resumed"], true);
    assert!(welcome.0.get("session").is_none(), "no new token on resume");
    assert_eq!(welcome.id(), wa.id());
    assert_eq!(welcome.0["you"]["name"], "Ana");
    let (room, x, y) = welcome.position();
    assert_eq!((x, y), (moved.x, moved.y), "same place");
    assert_eq!(room, wa.position().0);
    assert_eq!(
        welcome.chat_texts(),
        vec![
            "pendant ton absence".to_string(),
            "annonce manquée".to_string()
        ],
        "exactly the messages after last_seq"
    );
    assert_eq!(welcome.people_with(wa.id()).len(), 1, "one avatar");

    // The others never saw Ana leave nor arrive again.
    for other in [&mut b, &mut moderator] {
        other.barrier().await;
        other.assert_never_received("Ana leaving or joining again", |m| {
            (is_type(m, "person_left") && m["id"] == wa.id())
                || (is_type(m, "person_joined") && m["person"]["id"] == wa.id())
        });
    }
    let (_late, late) = Client::join(&server, Role::Participant, "Tardif").await;
    assert_eq!(late.people_with(wa.id()).len(), 1, "still one avatar");

    // The resumed connection works, and is seen as Ana.
    back.call(json!({"type": "chat", "scope": "room", "text": "me revoilà"}))
        .await;
    let got = b
        .recv_until(|m| crate::common::is_chat(m, "me revoilà"), WAIT)
        .await;
    assert_eq!(got["message"]["from"], wa.id());
}

#[tokio::test]
async fn a_new_connection_replaces_the_old_one() {
    let server = TestServer::start().await;
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut second, welcome) = Client::rejoin(&server, &wa.session(), 0).await;
    assert_eq!(welcome.id(), wa.id());
    assert_eq!(welcome.people_with(wa.id()).len(), 1);
    match a.recv_close(WAIT).await {
        Ended::Close(code, _) => assert_eq!(code, 4001),
        other => panic!("the old tab is closed with 4001, got {other:?}"),
    }
    second.assert_alive().await;
    second.barrier().await;
    b.barrier().await;
    b.assert_never_received("Ana leaving", |m| is_type(m, "person_left"));
}

#[tokio::test]
async fn resuming_after_grace_gives_a_fresh_avatar() {
    let server = TestServer::with_config(|c| c.limits.grace_ms = 300).await;
    let v = venue();
    let (mut a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    let session = wa.session();
    // Step off the spawn onto a tile that is not a spawn point.
    let (_, x, y) = wa.position();
    let start = Tile::new(x, y);
    let spawns: Vec<Tile> = v.spawns_for(Role::Participant).collect();
    let d = crate::DIRECTIONS
        .into_iter()
        .find(|d| {
            neighbour(&v, start, *d)
                .is_some_and(|n| crate::standable(&v, n, Role::Participant) && !spawns.contains(&n))
        })
        .unwrap();
    let moved = neighbour(&v, start, d).unwrap();
    a.call(json!({"type": "step", "dx": d.0, "dy": d.1})).await;
    b.wait_position(wa.id(), moved.x, moved.y).await;
    a.close().await;

    let left = b
        .recv_until(|m| is_type(m, "person_left"), Duration::from_secs(5))
        .await;
    assert_eq!(left["id"], wa.id());
    let (_back, welcome) = Client::rejoin(&server, &session, 0).await;
    assert_eq!(welcome.id(), wa.id(), "same person");
    let (_, x, y) = welcome.position();
    assert!(
        spawns.contains(&Tile::new(x, y)),
        "back on a spawn point, not at {moved:?}"
    );
    assert_eq!(welcome.people_with(wa.id()).len(), 1);
    let joined = b
        .recv_until(
            |m| is_type(m, "person_joined") && m["person"]["id"] == wa.id(),
            WAIT,
        )
        .await;
    assert_eq!(
        (
            as_u16(&joined["person"]["x"]),
            as_u16(&joined["person"]["y"])
        ),
        (x, y)
    );
}

#[tokio::test]
async fn a_dropped_connection_without_resume_leaves_after_grace() {
    let server = TestServer::with_config(|c| c.limits.grace_ms = 200).await;
    let (a, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut b, _) = Client::join(&server, Role::Participant, "Bea").await;
    drop(a); // no close frame: the TCP connection just goes away
    let left = b.recv_until(|m| is_type(m, "person_left"), WAIT).await;
    assert_eq!(left["id"], wa.id());
    let (_c, wc) = Client::join(&server, Role::Participant, "Cyr").await;
    assert!(wc.people_with(wa.id()).is_empty(), "no ghost avatar");
}

#[tokio::test]
async fn drops_and_returns_are_told_in_one_frame_per_tick() {
    let server = TestServer::start().await;
    let (mut observer, _) = Client::join(&server, Role::Participant, "Obs").await;
    let mut leavers = Vec::new();
    for i in 0..12 {
        let (client, welcome) = Client::join(&server, Role::Participant, &format!("P{i}")).await;
        leavers.push((client, welcome));
    }
    let ids: Vec<u32> = leavers.iter().map(|(_, w)| w.id()).collect();
    observer.barrier().await;
    let mark = observer.log.len();
    // All drop at once (a network hiccup).
    let sessions: Vec<String> = leavers.iter().map(|(_, w)| w.session()).collect();
    futures_util::future::join_all(leavers.into_iter().map(|(client, _)| client.close())).await;
    let presence = |m: &serde_json::Value| is_type(m, "person_presence");
    let told = |client: &Client, key: &str| -> Vec<u32> {
        client.log[mark..]
            .iter()
            .filter(|m| presence(m))
            .flat_map(|m| m[key].as_array().cloned().unwrap_or_default())
            .map(|id| id.as_u64().unwrap() as u32)
            .collect()
    };
    while told(&observer, "disconnected").len() < ids.len() {
        observer.recv_until(presence, WAIT).await;
    }
    let mut dropped = told(&observer, "disconnected");
    dropped.sort_unstable();
    assert_eq!(dropped, ids, "each drop told once");
    let frames = observer.log[mark..].iter().filter(|m| presence(m)).count();
    assert!(
        frames < ids.len(),
        "{} drops in {frames} frames: gathered per tick",
        ids.len()
    );

    // They come back (and stay): told as connected.
    let mut back_again = Vec::new();
    for session in &sessions {
        back_again.push(Client::rejoin(&server, session, 0).await);
    }
    while told(&observer, "connected").len() < ids.len() {
        observer.recv_until(presence, WAIT).await;
    }
    let mut back = told(&observer, "connected");
    back.sort_unstable();
    assert_eq!(back, ids);
}

#[tokio::test]
async fn a_resend_with_the_same_once_key_is_answered_not_applied_twice() {
    let server = TestServer::start().await;
    let (mut ana, welcome) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bob, _) = Client::join(&server, Role::Participant, "Bob").await;
    let chat = json!({"type": "chat", "scope": "room", "text": "une seule fois", "once": "ana-1"});
    ana.call(chat.clone()).await;
    // Resent on the same connection, then after a reconnect: acked again.
    ana.call(chat.clone()).await;
    ana.close().await;
    let (mut back, _) = Client::rejoin(&server, &welcome.session(), 0).await;
    back.call(chat.clone()).await;
    // A new key is a new request.
    back.call(json!({"type": "chat", "scope": "room", "text": "une seule fois", "once": "ana-2"}))
        .await;
    bob.barrier().await;
    assert_eq!(
        bob.count_received(|m| is_chat(m, "une seule fois")),
        2,
        "applied once per key"
    );
    // Another person's identical key is theirs.
    bob.call(json!({"type": "chat", "scope": "room", "text": "Bob", "once": "ana-1"}))
        .await;
    back.recv_until(|m| is_chat(m, "Bob"), WAIT).await;
    assert_eq!(
        back.call_err(json!({"type": "chat", "scope": "room", "text": "x", "once": ""}))
            .await,
        "invalid_message"
    );
}
