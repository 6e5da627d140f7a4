//! The permission table, enforced message by message: every client message
//! type (every chat scope, every op of the pitch session messages) from every
//! role, and the two HTTP API routes. A reply is `forbidden` exactly when
//! [`Permission::roles`] — the table `docs/permissions.md` is generated
//! from — leaves the role out. Other refusals (`no_team`, `unknown_request`,
//! `judging_closed`, …) mean the role passed the role check.

use crate::common::{Client, TestServer, is_type};
use amphi::domain::Role;
use amphi::domain::permissions::Permission;
use amphi::protocol::CLIENT_TYPES;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A plausible request of every kind. `other` is another member's id.
fn every_request(other: u32, name: &str) -> Vec<Value> {
    let mut all = vec![
        json!({"type": "hello", "protocol": 2, "invite": "x", "name": "x"}),
        json!({"type": "step", "dx": 1, "dy": 0}),
        json!({"type": "walk_to", "x": 40, "y": 40}),
        json!({"type": "walk", "x": 40, "y": 40, "dx": 1, "dy": 0}),
        json!({"type": "teleport", "room": "hall"}),
        json!({"type": "view", "w": 56, "h": 32}),
        json!({"type": "set_status", "status": "busy"}),
        json!({"type": "chat", "scope": "room", "text": "matrice"}),
        json!({"type": "chat", "scope": "team", "text": "matrice"}),
        json!({"type": "chat", "scope": "direct", "to": other, "text": "matrice"}),
        json!({"type": "chat", "scope": "announcement", "text": "matrice"}),
        json!({"type": "create_team", "name": format!("Matrice {name}")}),
        json!({"type": "join_team", "team": 2}),
        json!({"type": "leave_team"}),
        json!({"type": "add_challenge", "title": "Interopérabilité"}),
        json!({"type": "update_challenge", "id": 1, "title": "Interopérabilité", "description": "…"}),
        json!({"type": "remove_challenge", "id": 1}),
        json!({"type": "set_schedule", "schedule": [{"phase": "opening", "starts_at": 1}]}),
        json!({"type": "set_phase", "phase": "hacking"}),
        json!({"type": "set_team_formation", "self_service": true}),
        json!({"type": "add_team", "name": format!("Équipe {name}")}),
        json!({"type": "set_team_challenge", "team": 2, "challenge": null}),
        json!({"type": "summon", "role": "jury"}),
        json!({"type": "ask_help", "tags": ["data"], "description": "À l'aide"}),
        json!({"type": "claim_help", "request": 999}),
        json!({"type": "unclaim_help", "request": 999}),
        json!({"type": "resolve_help", "request": 999}),
        json!({"type": "cancel_help", "request": 999}),
        json!({"type": "rate_help", "request": 999, "stars": 5}),
        json!({"type": "set_mentor_profile", "skills": ["data"], "available": true}),
        json!({"type": "go_to_team", "team": 1}),
        // The role is checked before the team is looked up.
        json!({"type": "go_to_team", "team": 99}),
        json!({"type": "mute", "member": 9999}),
        json!({"type": "unmute", "member": 9999}),
        json!({"type": "kick", "member": 9999}),
        json!({"type": "ban", "member": 9999}),
        json!({"type": "delete_message", "seq": 999_999}),
        json!({"type": "create_invite", "role": "spectator", "label": "matrice"}),
        json!({"type": "revoke_invite", "invite": 9999}),
        json!({"type": "rotate_invite", "invite": 9999}),
        json!({"type": "list_invites"}),
        json!({"type": "get_audit_log"}),
        json!({"type": "ping", "t0": 1.5}),
        json!({"type": "media_ice_servers"}),
        json!({"type": "react", "reaction": "clap"}),
        json!({"type": "question", "op": "ask", "text": "matrice ?"}),
        json!({"type": "question", "op": "upvote", "question": 9999}),
        json!({"type": "question", "op": "pick", "question": 9999}),
        json!({"type": "question", "op": "hide", "question": 9999}),
        json!({"type": "floor", "op": "raise"}),
        json!({"type": "floor", "op": "lower"}),
        json!({"type": "floor", "op": "give", "member": 9999}),
        json!({"type": "floor", "op": "take", "member": 9999}),
        json!({"type": "floor", "op": "jurors_in_qa", "on": true}),
        json!({"type": "media_offer", "sdp": "v=0\r\n"}),
        json!({"type": "media_answer", "sdp": "v=0\r\n"}),
        json!({"type": "media_settings", "audio_only": true}),
        json!({"type": "media_leave"}),
        json!({"type": "media_mute", "member": 9999, "muted": true}),
    ];
    let session: [(&str, &str, Value); 36] = [
        ("pitch", "set_order", json!({"order": [1, 2, 3]})),
        ("pitch", "shuffle", json!({})),
        (
            "pitch",
            "set_durations",
            json!({"pitch_ms": 180_000, "qa_ms": 60_000, "warning_ms": 60_000, "wrapup_ms": 30_000}),
        ),
        ("pitch", "start", json!({})),
        ("pitch", "pause", json!({})),
        ("pitch", "resume", json!({})),
        ("pitch", "add_time", json!({"delta_ms": 10_000})),
        ("pitch", "speaker_message", json!({"text": "Concluez"})),
        ("pitch", "stop", json!({})),
        ("pitch", "start_qa", json!({})),
        ("pitch", "next", json!({})),
        ("pitch", "previous", json!({})),
        ("pitch", "restart", json!({})),
        (
            "jury",
            "set_rubric",
            json!({"criteria": [{"id": "impact", "label": "Impact", "weight": 1.0, "max": 10}]}),
        ),
        ("jury", "open_judging", json!({})),
        (
            "jury",
            "score",
            json!({"team": 1, "criterion": "impact", "value": 5}),
        ),
        (
            "jury",
            "clear_score",
            json!({"team": 1, "criterion": "impact"}),
        ),
        ("jury", "close_judging", json!({})),
        ("jury", "publish", json!({})),
        ("jury", "unpublish", json!({})),
        ("vote", "open", json!({})),
        ("vote", "set_per_voter", json!({"per_voter": 2})),
        ("vote", "show_counts", json!({"show": false})),
        ("vote", "cast", json!({"team": 3})),
        ("vote", "retract", json!({"team": 3})),
        ("vote", "close", json!({})),
        (
            "award",
            "define",
            json!({"id": "proto", "name": "Les pros du proto"}),
        ),
        ("award", "give", json!({"award": "proto", "team": 1})),
        ("award", "take", json!({"award": "proto", "team": 1})),
        ("award", "remove", json!({"id": "proto"})),
        ("leaderboard", "set_normalize", json!({"on": true})),
        ("leaderboard", "live", json!({})),
        ("leaderboard", "freeze", json!({})),
        ("leaderboard", "reveal", json!({})),
        ("leaderboard", "reveal_next", json!({})),
        ("leaderboard", "hide", json!({})),
    ];
    for (kind, op, fields) in session {
        all.push(crate::op(kind, op, fields));
    }
    // The idea board: the moderator's ops leave the board open; the unknown
    // idea is refused only after the role check.
    let ideas = [
        ("close", json!({})),
        ("reopen", json!({})),
        ("set_budget", json!({"supports_per_person": 3})),
        ("make_team", json!({"idea": 999})),
        (
            "post",
            json!({"title": format!("Idée {name}"), "pitch": "Une idée"}),
        ),
        ("support", json!({"idea": 999})),
        ("withdraw", json!({"idea": 999})),
        ("interest", json!({"idea": 999, "interested": true})),
    ];
    for (op, fields) in ideas {
        all.push(crate::op("idea", op, fields));
    }
    // Project pages: nobody here is in a team, so a permitted edit is
    // refused with `no_team`, after the role check.
    let projects = [
        ("set_deadline", json!({"at": null})),
        ("update", json!({"name": "Matrice"})),
        ("set_public", json!({"public": true})),
        ("remove_file", json!({"sha256": "00"})),
    ];
    for (op, fields) in projects {
        all.push(crate::op("project", op, fields));
    }
    all
}

/// Whether a line of [`Permission::messages`] names this request: `step`,
/// `chat (scope room)`, `pitch (every op)`, `jury (score, clear_score)`.
fn names(label: &str, msg: &Value) -> bool {
    let kind = msg["type"].as_str().unwrap_or_default();
    match label.split_once(" (") {
        None => label == kind,
        Some((name, rest)) if name == kind => {
            let inner = rest.trim_end_matches(')');
            match inner.strip_prefix("scope ") {
                Some(scope) => msg["scope"] == scope,
                None => inner == "every op" || inner.split(", ").any(|op| msg["op"] == op),
            }
        }
        Some(_) => false,
    }
}

/// The one permission governing a request; `None` for those open to all.
fn permission_of(msg: &Value) -> Option<Permission> {
    let matching: Vec<Permission> = Permission::ALL
        .into_iter()
        .filter(|p| p.messages().iter().any(|label| names(label, msg)))
        .collect();
    assert!(matching.len() <= 1, "{msg} is governed by {matching:?}");
    matching.first().copied()
}

#[tokio::test]
async fn every_message_from_every_role_is_refused_exactly_as_the_table_says() {
    let server = TestServer::start().await;
    let mut clients = Vec::new();
    for role in Role::ALL {
        let (client, welcome) = Client::join(&server, role, &format!("Rôle {role}")).await;
        clients.push((role, client, welcome));
    }
    let moderator_id = clients[0].2.id();
    let mentor_id = clients[1].2.id();

    // The request list covers every client message type and every op the
    // table names.
    let sample = every_request(0, "x");
    let kinds: BTreeSet<&str> = sample.iter().filter_map(|m| m["type"].as_str()).collect();
    assert_eq!(kinds, CLIENT_TYPES.iter().copied().collect::<BTreeSet<_>>());
    for p in Permission::ALL {
        for label in p.messages() {
            let is_http = label.starts_with("GET ") || label.starts_with("POST ");
            let is_push = label.contains("(pushed)");
            assert!(
                is_http || is_push || sample.iter().any(|m| names(label, m)),
                "no request exercises {label}"
            );
        }
    }
    let open: Vec<&Value> = sample
        .iter()
        .filter(|m| permission_of(m).is_none())
        .collect();
    assert!(
        open.iter().all(|m| ["hello", "ping", "view", "react"]
            .contains(&m["type"].as_str().unwrap_or_default())),
        "only hello, ping, view and react are open to all: {open:?}"
    );

    let mut mismatches = Vec::new();
    for (role, client, welcome) in &mut clients {
        let other = if welcome.id() == moderator_id {
            mentor_id
        } else {
            moderator_id
        };
        for msg in every_request(other, role.as_str()) {
            if msg["type"] == "ping" {
                let pong = client.ping(1.5).await;
                assert!(is_type(&pong, "pong"));
                continue;
            }
            let reply = client.call_any(msg.clone()).await;
            let code = reply["code"].as_str().unwrap_or_default();
            assert!(
                ![
                    "invalid_message",
                    "unknown_type",
                    "bad_json",
                    "rate_limited"
                ]
                .contains(&code),
                "{role}: the test sent a bad request {msg}: {reply}"
            );
            let refused = code == "forbidden";
            let allowed = permission_of(&msg).is_none_or(|p| p.roles().contains(*role));
            if refused == allowed {
                mismatches.push(format!(
                    "{role} {msg}: {} but the table says {}",
                    reply,
                    if allowed { "allowed" } else { "forbidden" }
                ));
            }
        }
    }

    // The HTTP API follows the same table.
    let csv = b"name,role\nMatrice Personne,participant\n";
    for (role, _, welcome) in &clients {
        let auth = format!("Bearer {}", welcome.session());
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "text/csv"),
        ];
        let roster = server
            .http("POST", "/api/events/demo/roster", &headers, csv)
            .await;
        let results = server
            .http("GET", "/api/events/demo/results?format=json", &headers, b"")
            .await;
        for (response, permission, what) in [
            (roster, Permission::ImportRoster, "roster import"),
            (results, Permission::RunShow, "results export"),
        ] {
            let allowed = permission.roles().contains(*role);
            let refused = response.status == 403;
            if refused == allowed || (allowed && response.status != 200) {
                mismatches.push(format!(
                    "{role} {what}: HTTP {} {}",
                    response.status, response.body
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn an_anonymous_watcher_may_do_nothing_but_watch() {
    let server = TestServer::start().await;
    let (mut watcher, _) = Client::watch(&server).await;
    for msg in every_request(1, "watcher") {
        match msg["type"].as_str().unwrap() {
            "ping" => assert!(is_type(&watcher.ping(2.5).await, "pong")),
            "hello" => {
                let reply = watcher.call_any(msg).await;
                assert_eq!(reply["code"], "already_joined", "{reply}");
            }
            // Watchers react too (refused here only because nobody pitches).
            "react" => {
                let reply = watcher.call_any(msg).await;
                assert_eq!(reply["code"], "nothing_on_stage", "{reply}");
            }
            // Watchers receive the stage's picture and sound (receive-only:
            // tests/hub/live_media.rs); everything else about media stays refused.
            "media_ice_servers" => {
                let reply = watcher.call_any(msg).await;
                assert_eq!(reply["type"], "ack", "{reply}");
            }
            "media_offer" => {
                let reply = watcher.call_any(msg).await;
                assert_eq!(reply["code"], "bad_sdp", "{reply}");
            }
            "media_answer" | "media_settings" | "media_leave" => {
                let reply = watcher.call_any(msg).await;
                assert_eq!(reply["code"], "no_media_connection", "{reply}");
            }
            _ => {
                let reply = watcher.call_any(msg.clone()).await;
                assert_eq!(reply["code"], "forbidden", "{msg}: {reply}");
            }
        }
    }
}
