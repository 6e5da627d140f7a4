//! Moderation through the real server: mute, kick, ban, message deletion,
//! and the audit log; participants cannot moderate.

use crate::common::{Client, Ended, TestServer, is_chat, is_type};
use amphi::domain::Role;
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn mute_stops_chat_and_unmute_restores_it() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    let (mut troll, welcome) = Client::join(&server, Role::Participant, "Troll").await;
    moderator
        .call(json!({"type": "mute", "member": welcome.id(), "reason": "spam"}))
        .await;
    troll
        .recv_until(|m| is_type(m, "mute_changed") && m["muted"] == true, WAIT)
        .await;
    assert_eq!(
        troll
            .call_err(json!({"type": "chat", "scope": "room", "text": "encore"}))
            .await,
        "muted"
    );
    moderator
        .call(json!({"type": "unmute", "member": welcome.id()}))
        .await;
    troll
        .call(json!({"type": "chat", "scope": "room", "text": "pardon"}))
        .await;
}

#[tokio::test]
async fn kicked_people_may_come_back_banned_people_may_not() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    let (mut kicked, k) = Client::join(&server, Role::Participant, "Kévin").await;
    let (mut banned, b) = Client::join(&server, Role::Participant, "Bruno").await;

    moderator
        .call(json!({"type": "kick", "member": k.id(), "reason": "pause"}))
        .await;
    assert!(matches!(
        kicked.recv_close(WAIT).await,
        Ended::Close(4002, _)
    ));
    let (mut back, again) = Client::rejoin(&server, &k.session(), 0).await;
    assert_eq!(again.id(), k.id());
    back.assert_alive().await;

    moderator
        .call(json!({"type": "ban", "member": b.id(), "reason": "harcèlement"}))
        .await;
    assert!(matches!(
        banned.recv_close(WAIT).await,
        Ended::Close(4004, _)
    ));
    let mut retry = Client::connect(&server).await;
    let code = retry
        .call_err(json!({"type": "hello", "protocol": 2, "resume": b.session()}))
        .await;
    assert_eq!(code, "invalid_session");
}

#[tokio::test]
async fn a_deleted_message_disappears_for_everyone_and_from_history() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    let (mut author, _) = Client::join(&server, Role::Participant, "Auteur").await;
    author
        .call(json!({"type": "chat", "scope": "room", "text": "mon numéro : 06…"}))
        .await;
    let posted = moderator
        .recv_until(|m| is_chat(m, "mon numéro : 06…"), WAIT)
        .await;
    let seq = posted["message"]["seq"].as_u64().unwrap();
    moderator
        .call(json!({"type": "delete_message", "seq": seq, "reason": "données personnelles"}))
        .await;
    author
        .recv_until(|m| is_type(m, "chat_deleted") && m["seq"] == seq, WAIT)
        .await;
    let (_, late) = Client::join(&server, Role::Participant, "Retardataire").await;
    assert!(
        !late.chat_texts().iter().any(|t| t.contains("06")),
        "{:?}",
        late.chat_texts()
    );
    assert_eq!(
        moderator
            .call_err(json!({"type": "delete_message", "seq": seq}))
            .await,
        "unknown_message"
    );
}

#[tokio::test]
async fn the_audit_log_records_every_moderator_action() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    let (mut participant, p) = Client::join(&server, Role::Participant, "Paul").await;
    moderator
        .call(json!({"type": "mute", "member": p.id(), "reason": "spam"}))
        .await;
    moderator
        .call(json!({"type": "unmute", "member": p.id()}))
        .await;
    moderator
        .call(json!({"type": "kick", "member": p.id(), "reason": "test"}))
        .await;
    moderator.request(json!({"type": "get_audit_log"})).await;
    let log = moderator
        .recv_until(|m| is_type(m, "audit_log"), WAIT)
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["mute", "unmute", "kick"]);
    assert_eq!(log["entries"][0]["reason"], "spam");
    // Participants can neither moderate nor read the log.
    let (mut other, _) = Client::join(&server, Role::Participant, "Autre").await;
    assert_eq!(
        other.call_err(json!({"type": "get_audit_log"})).await,
        "forbidden"
    );
    assert_eq!(
        other.call_err(json!({"type": "kick", "member": 1})).await,
        "forbidden"
    );
    let _ = participant.recv_close(WAIT).await;
}

/// Opens a companion connection (the console beside the venue page) of the
/// member whose session token is `session`.
async fn companion(server: &TestServer, session: &str) -> Client {
    let mut client = Client::connect(server).await;
    client
        .send_json(json!({"type": "hello", "protocol": 2, "resume": session, "companion": true}))
        .await;
    client.recv_until(|m| is_type(m, "welcome"), WAIT).await;
    client
}

#[tokio::test]
async fn a_ban_or_a_kick_closes_the_companion_connection_too() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    for (kind, code, name) in [("kick", 4002, "Kévin"), ("ban", 4004, "Bruno")] {
        let (mut main, p) = Client::join(&server, Role::Participant, name).await;
        let mut console = companion(&server, &p.session()).await;
        console.assert_alive().await;
        moderator
            .call(json!({"type": kind, "member": p.id(), "reason": "test"}))
            .await;
        assert!(matches!(main.recv_close(WAIT).await, Ended::Close(c, _) if c == code));
        let ended = console.recv_close(WAIT).await;
        assert!(
            matches!(ended, Ended::Close(c, _) if c == code),
            "{kind}: the companion ended with {ended:?}"
        );
    }
}

#[tokio::test]
async fn the_moderator_rotates_a_shared_link_so_a_banned_person_cannot_come_back_through_it() {
    let server = TestServer::start().await;
    let shared = server.join_link(Role::Participant);
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    let (mut troll, t) = Client::join(&server, Role::Participant, "Troll").await;
    moderator
        .call(json!({"type": "ban", "member": t.id(), "reason": "harcèlement"}))
        .await;
    assert!(matches!(
        troll.recv_close(WAIT).await,
        Ended::Close(4004, _)
    ));
    // The ban alone does not stop the shared link.
    let mut again = Client::connect(&server).await;
    again.hello_invite(&shared, "Troll bis").await;

    moderator.request(json!({"type": "list_invites"})).await;
    let invites = moderator.recv_until(|m| is_type(m, "invites"), WAIT).await;
    let old = invites["invites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["role"] == "participant" && i["name"].is_null() && i["revoked"] == false)
        .expect("the shared participant link")
        .clone();
    let rid = moderator
        .request(json!({"type": "rotate_invite", "invite": old["id"]}))
        .await;
    let created = moderator
        .recv_until(|m| is_type(m, "invite_created") && m["rid"] == rid, WAIT)
        .await;
    assert_eq!(created["invite"]["role"], "participant");
    assert_eq!(created["invite"]["label"], old["label"]);
    assert_ne!(created["invite"]["id"], old["id"]);
    let token = created["token"].as_str().unwrap().to_string();

    let mut refused = Client::connect(&server).await;
    let code = refused
        .call_err(json!({"type": "hello", "protocol": 2, "invite": shared, "name": "Troll ter"}))
        .await;
    assert_eq!(code, "invite_revoked");
    let mut newcomer = Client::connect(&server).await;
    newcomer.hello_invite(&token, "Nouvelle").await;
    // Rotating an unknown invite is refused.
    assert_eq!(
        moderator
            .call_err(json!({"type": "rotate_invite", "invite": 999}))
            .await,
        "unknown_invite"
    );
}
