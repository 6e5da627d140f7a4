//! A graceful restart on the same data directory restores every kind of
//! durable state, and the journal alone replays to the live hub's state.

use crate::common::{Client, TestServer, is_type, token_of};
use crate::{copy_dir, data_dir, day, dump};
use amphi::domain::Role;
use amphi::store::StoreOptions;
use serde_json::{Value, json};
use std::time::Duration;

/// Texts of the chat messages of one channel in a dumped state.
fn channel_texts(state: &Value, channel: &str) -> Vec<String> {
    state["chat"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"] == channel && m["deleted"] != true)
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

/// Sessions and ids of the people of the scenario.
struct People {
    moderator: String,
    mentor: String,
    alice: (String, u32),
    bruno: (String, u32),
    chloe: (String, u32),
    team: u64,
    roster_token: String,
}

/// Drives every kind of durable change through the protocol.
async fn scenario(server: &TestServer) -> People {
    let (mut m, wm) = Client::join(server, Role::Moderator, "Claire Modé").await;
    let (mut t, wt) = Client::join(server, Role::Mentor, "Léa Mentor").await;
    let (mut a, wa) = Client::join(server, Role::Participant, "Alice").await;
    let (mut b, wb) = Client::join(server, Role::Participant, "Bruno").await;
    let (c, wc) = Client::join(server, Role::Participant, "Chloé").await;

    day::programme(&mut m).await;
    let team = day::found_team(&mut a).await;
    b.call(json!({"type": "join_team", "team": team})).await;
    day::chat_in_every_scope(&mut a, &mut m, wb.id()).await;
    day::ask_and_claim_help(&mut a, &mut t).await;
    day::mute_and_ban(&mut m, wb.id(), wc.id()).await;

    // Roster import (HTTP API).
    let roster = server
        .import_roster(
            &wm.session(),
            "name,role,team\nDavid Roster,participant,Équipe Roster\nEmma Roster,jury,\n",
        )
        .await;
    let roster_token = token_of(roster["invites"][0]["url"].as_str().unwrap());

    let people = People {
        moderator: wm.session(),
        mentor: wt.session(),
        alice: (wa.session(), wa.id()),
        bruno: (wb.session(), wb.id()),
        chloe: (wc.session(), wc.id()),
        team,
        roster_token,
    };
    for client in [m, t, a, b, c] {
        client.close().await;
    }
    people
}

#[tokio::test]
async fn a_restart_restores_every_kind_of_durable_state() {
    let dir = data_dir();
    // No periodic snapshot during the test: the only one is taken at shutdown.
    let hour = |config: &mut amphi::config::Config| config.snapshot_interval_secs = 3600;
    let first = TestServer::start_in(&dir.0, StoreOptions::default(), hour).await;
    assert_eq!(first.links().len(), 5, "all five links at first start");
    let participant_link = first
        .links()
        .iter()
        .find(|l| l.role == Role::Participant)
        .unwrap()
        .token
        .clone();
    let people = scenario(&first).await;
    first.stop().await;

    // What the live hub had, as written by its final snapshot.
    let state = dump(&dir.0).await;
    let members = state["members"].as_object().unwrap();
    let names: Vec<&str> = members
        .values()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for name in ["Claire Modé", "Léa Mentor", "Alice", "Bruno", "Chloé"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let member = |id: u32| &members[&id.to_string()];
    assert_eq!(member(people.bruno.1)["muted"], true);
    assert_eq!(member(people.chloe.1)["banned"], true);
    let team = &state["teams"][people.team.to_string()];
    assert_eq!(team["name"], "Les Restaurés");
    assert!(team["table"].is_string(), "the team has a table: {team}");
    let room_chat: Vec<&Value> = state["chat"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"].as_str().unwrap().starts_with("room:"))
        .collect();
    assert_eq!(room_chat.len(), 2, "{room_chat:?}");
    assert_eq!(room_chat[0]["text"], "salle: bonjour");
    assert_eq!(
        room_chat[1]["deleted"], true,
        "the deleted message stays deleted"
    );
    assert_eq!(
        channel_texts(&state, &format!("team:{}", people.team)),
        ["équipe: on y va"]
    );
    let (x, y) = (
        people.alice.1.min(people.bruno.1),
        people.alice.1.max(people.bruno.1),
    );
    assert_eq!(
        channel_texts(&state, &format!("dm:{x}:{y}")),
        ["dm: ça va ?"]
    );
    assert_eq!(channel_texts(&state, "announcements"), ["annonce: 16 h"]);
    assert_eq!(state["program"]["phase"], "hacking");
    assert_eq!(state["program"]["challenges"]["1"]["title"], "Open data");
    let requests = state["help"]["requests"].to_string();
    assert!(requests.contains("claimed"), "{requests}");
    assert!(state["help"]["mentors"].to_string().contains("legal"));
    let actions: Vec<&str> = state["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"mute") && actions.contains(&"ban"),
        "{actions:?}"
    );
    assert!(state["invites"].to_string().contains("David Roster"));

    // Replay determinism: the journal alone gives the same state.
    let journal_only = data_dir();
    copy_dir(&dir.0, &journal_only.0);
    let events = journal_only.0.join("events").join("demo");
    for entry in std::fs::read_dir(&events).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "snap") {
            std::fs::remove_file(path).unwrap();
        }
    }
    assert_eq!(
        dump(&journal_only.0).await,
        state,
        "replaying the journal differs from the live state"
    );

    // The restarted server, through the protocol.
    let second = TestServer::start_in(&dir.0, StoreOptions::default(), hour).await;
    let roles: Vec<Role> = second.links().iter().map(|l| l.role).collect();
    assert_eq!(
        roles,
        [Role::Mentor, Role::Jury, Role::Participant, Role::Spectator],
        "no moderator link after the first start"
    );
    let (mut m, wm) = Client::rejoin(&second, &people.moderator, 0).await;
    assert_eq!(wm.0["program"]["phase"], "hacking");
    assert!(wm.0["teams"].to_string().contains("Les Restaurés"));
    assert!(wm.chat_texts().contains(&"annonce: 16 h".to_string()));
    let rid = m.request(json!({"type": "get_audit_log"})).await;
    let log = m.recv_type("audit_log").await;
    assert!(log["entries"].to_string().contains("abus"), "{log}");
    let _ = rid;

    let (mut a, wa) = Client::rejoin(&second, &people.alice.0, 0).await;
    let history = wa.chat_texts();
    for text in ["équipe: on y va", "dm: ça va ?", "annonce: 16 h"] {
        assert!(history.contains(&text.to_string()), "{text} in {history:?}");
    }
    assert!(
        !history.contains(&"salle: oups".to_string()),
        "deleted stays deleted"
    );
    let status = a
        .recv_until(|msg| is_type(msg, "help_status"), Duration::from_secs(5))
        .await;
    assert_eq!(status["request"]["state"], "claimed", "{status}");

    let (mut t, _) = Client::rejoin(&second, &people.mentor, 0).await;
    let profile = t.recv_type("mentor_profile").await;
    assert_eq!(profile["available"], true, "{profile}");

    let (mut b, _) = Client::rejoin(&second, &people.bruno.0, 0).await;
    let code = b
        .call_err(json!({"type": "chat", "scope": "team", "text": "encore"}))
        .await;
    assert_eq!(code, "muted");

    let mut c = Client::connect(&second).await;
    c.send_json(json!({"type": "hello", "protocol": 2, "resume": people.chloe.0, "last_seq": 0}))
        .await;
    let refused = c
        .recv_until(|msg| is_type(msg, "error"), Duration::from_secs(5))
        .await;
    assert!(
        refused["code"] == "invalid_session" || refused["code"] == "banned",
        "a banned session stays banned: {refused}"
    );

    // Invites: the demo link works again, and so does the roster's.
    let mut again = Client::connect(&second).await;
    again.hello_invite(&participant_link, "Fabien").await;
    let mut david = Client::connect(&second).await;
    let wd = david
        .hello_invite(&people.roster_token, "David Roster")
        .await;
    assert_eq!(wd.0["you"]["name"], "David Roster");
    second.stop().await;
}
