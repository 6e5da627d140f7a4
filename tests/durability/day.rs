//! Steps of a hackathon day driven through the protocol, shared by the
//! restart test and the fixture writer: each makes one kind of durable change.

use crate::common::{Client, WAIT, is_type};
use serde_json::json;

/// One challenge, a schedule, and the hacking phase (moderator).
pub async fn programme(moderator: &mut Client) {
    moderator
        .call(json!({"type": "add_challenge", "title": "Open data", "description": "Publier"}))
        .await;
    moderator
        .call(json!({"type": "set_schedule", "schedule": [
            {"phase": "opening", "starts_at": 1_795_500_000_000_u64},
            {"phase": "hacking", "starts_at": 1_795_503_600_000_u64}]}))
        .await;
    moderator
        .call(json!({"type": "set_phase", "phase": "hacking"}))
        .await;
}

/// The participant founds "Les Restaurés" on challenge 1; its id.
pub async fn found_team(founder: &mut Client) -> u64 {
    founder
        .call(json!({"type": "create_team", "name": "Les Restaurés", "challenge": 1}))
        .await;
    founder
        .recv_until(
            |msg| is_type(msg, "team_updated") && msg["team"]["name"] == "Les Restaurés",
            WAIT,
        )
        .await["team"]["id"]
        .as_u64()
        .unwrap()
}

/// Room, team and direct messages from `author` (the direct one to `to`),
/// an announcement from the moderator, and a room message the moderator
/// deletes ("salle: oups").
pub async fn chat_in_every_scope(author: &mut Client, moderator: &mut Client, to: u32) {
    author
        .call(json!({"type": "chat", "scope": "room", "text": "salle: bonjour"}))
        .await;
    author
        .call(json!({"type": "chat", "scope": "team", "text": "équipe: on y va"}))
        .await;
    author
        .call(json!({"type": "chat", "scope": "direct", "to": to, "text": "dm: ça va ?"}))
        .await;
    moderator
        .call(json!({"type": "chat", "scope": "announcement", "text": "annonce: 16 h"}))
        .await;
    author
        .call(json!({"type": "chat", "scope": "room", "text": "salle: oups"}))
        .await;
    let oops = author
        .recv_until(
            |msg| is_type(msg, "chat") && msg["message"]["text"] == "salle: oups",
            WAIT,
        )
        .await["message"]["seq"]
        .as_u64()
        .unwrap();
    moderator
        .call(json!({"type": "delete_message", "seq": oops, "reason": "test"}))
        .await;
}

/// The mentor sets a profile; the team asks for help and the mentor claims
/// the request; its id.
pub async fn ask_and_claim_help(team_member: &mut Client, mentor: &mut Client) -> u64 {
    mentor
        .call(json!({"type": "set_mentor_profile", "skills": ["data", "legal"], "available": true}))
        .await;
    team_member
        .call(json!({"type": "ask_help", "tags": ["data"], "description": "Quelle licence ?"}))
        .await;
    let request = team_member
        .recv_until(
            |msg| is_type(msg, "help_status") && !msg["request"].is_null(),
            WAIT,
        )
        .await["request"]["id"]
        .as_u64()
        .unwrap();
    mentor
        .call(json!({"type": "claim_help", "request": request}))
        .await;
    request
}

/// The moderator mutes one person and bans another.
pub async fn mute_and_ban(moderator: &mut Client, muted: u32, banned: u32) {
    moderator
        .call(json!({"type": "mute", "member": muted, "reason": "flood"}))
        .await;
    moderator
        .call(json!({"type": "ban", "member": banned, "reason": "abus"}))
        .await;
}
