//! No score reaches anyone but the jury and the moderator before the
//! leaderboard is published: every message a participant, a spectator and
//! an anonymous watcher receive during a whole judging session is checked.

use crate::common::{Client, TestServer, is_type};
use crate::{CARTOGRAPHES, DATA_GOUV, OPEN_MAIRIE, op, row_teams};
use amphi::domain::Role;
use serde_json::{Value, json};

/// Field names that would carry a score, a ranking or a tally.
const SCORE_FIELDS: &[&str] = &[
    "score",
    "scores",
    "raw",
    "raw_score",
    "normalized_score",
    "value",
    "values",
    "rows",
    "progress",
    "counts",
    "jurors",
];

/// Paths of every score-like field holding something (not null) in `v`.
fn score_fields(v: &Value, path: &str, found: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                let here = format!("{path}.{key}");
                let suspicious = SCORE_FIELDS.contains(&key.as_str())
                    || (key == "normalized" && value.is_number());
                if suspicious && !value.is_null() {
                    found.push(format!("{here} = {value}"));
                }
                score_fields(value, &here, found);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                score_fields(item, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

fn assert_no_score(client: &Client, who: &str) {
    for msg in &client.log {
        let kind = msg["type"].as_str().unwrap_or_default();
        assert!(
            !["staff_leaderboard", "jury_sheet", "jury_status", "awards"].contains(&kind),
            "{who} received {msg}"
        );
        if kind == "leaderboard" {
            assert!(msg["board"].is_null(), "{who}: a board while hidden: {msg}");
        }
        let mut found = Vec::new();
        score_fields(msg, "", &mut found);
        assert!(found.is_empty(), "{who}: {found:?} in {msg}");
    }
}

fn score(team: u32, criterion: &str, value: u32) -> Value {
    op(
        "jury",
        "score",
        json!({"team": team, "criterion": criterion, "value": value}),
    )
}

#[tokio::test]
async fn no_score_reaches_a_participant_or_a_watcher_before_publication() {
    let server = TestServer::start().await;
    // The public is there from the start.
    let (mut participant, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut spectator, _) = Client::join(&server, Role::Spectator, "Public").await;
    let (mut watcher, _) = Client::watch(&server).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut un, _) = Client::join(&server, Role::Jury, "Juré Un").await;
    let (mut deux, _) = Client::join(&server, Role::Jury, "Jurée Deux").await;
    participant
        .call(json!({"type": "join_team", "team": CARTOGRAPHES}))
        .await;

    // A whole judging session, leaderboard hidden.
    moderator
        .call(op(
            "jury",
            "set_rubric",
            json!({"criteria": [
                {"id": "impact", "label": "Impact", "weight": 2.0, "max": 10},
                {"id": "pitch", "label": "Pitch", "weight": 1.0, "max": 10}
            ]}),
        ))
        .await;
    moderator
        .call(op("leaderboard", "set_normalize", json!({"on": true})))
        .await;
    moderator
        .call(op("pitch", "set_order", json!({"order": [1, 2, 3]})))
        .await;
    moderator.call(op("pitch", "start", json!({}))).await;
    moderator.call(op("jury", "open_judging", json!({}))).await;
    moderator.call(op("vote", "open", json!({}))).await;
    participant
        .call(op("vote", "cast", json!({"team": OPEN_MAIRIE})))
        .await;
    for (juror, base) in [(&mut un, 4), (&mut deux, 2)] {
        for (i, team) in [CARTOGRAPHES, OPEN_MAIRIE, DATA_GOUV]
            .into_iter()
            .enumerate()
        {
            let i = i as u32;
            juror.call(score(team, "impact", base + 2 * i)).await;
            juror.call(score(team, "pitch", base + i)).await;
        }
    }
    un.call(score(DATA_GOUV, "impact", 10)).await;
    deux.call(op(
        "jury",
        "clear_score",
        json!({"team": CARTOGRAPHES, "criterion": "pitch"}),
    ))
    .await;
    deux.call(score(CARTOGRAPHES, "pitch", 9)).await;
    moderator
        .call(op(
            "award",
            "define",
            json!({"id": "libris", "name": "Libris"}),
        ))
        .await;
    moderator
        .call(op(
            "award",
            "give",
            json!({"award": "libris", "team": DATA_GOUV}),
        ))
        .await;
    moderator.call(op("pitch", "next", json!({}))).await;
    moderator.call(op("jury", "close_judging", json!({}))).await;
    moderator.call(op("jury", "publish", json!({}))).await;

    for client in [&mut participant, &mut spectator, &mut watcher] {
        client.barrier().await;
    }
    assert_no_score(&participant, "the participant");
    assert_no_score(&spectator, "the spectator");
    assert_no_score(&watcher, "the watcher");
    for (client, who) in [(&participant, "participant"), (&watcher, "watcher")] {
        assert!(
            client.count_received(|m| is_type(m, "leaderboard")) >= 1,
            "{who}: the (hidden) board on joining"
        );
        assert!(client.count_received(|m| is_type(m, "pitch")) >= 3, "{who}");
        assert!(client.count_received(|m| is_type(m, "votes")) >= 2, "{who}");
    }

    // Published: the public board appears, with ranks and team scores only.
    moderator.call(op("leaderboard", "live", json!({}))).await;
    moderator.barrier().await;
    let staff = moderator
        .last_received(|m| is_type(m, "staff_leaderboard"))
        .unwrap()["board"]
        .clone();
    for client in [&mut participant, &mut spectator, &mut watcher] {
        let board =
            crate::wait_for(client, "leaderboard", |m| !m["board"].is_null()).await["board"]
                .clone();
        assert_eq!(board["mode"], "live");
        assert_eq!(board["normalized"], true);
        assert_eq!(board["total"], 3);
        assert_eq!(row_teams(&board["rows"]), row_teams(&staff["rows"]));
        for (row, staff_row) in board["rows"]
            .as_array()
            .unwrap()
            .iter()
            .zip(staff["rows"].as_array().unwrap())
        {
            let mut keys: Vec<&String> = row.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(keys, ["labels", "rank", "score", "team", "votes"], "{row}");
            assert!(row["score"].is_number(), "{row}");
            assert_eq!(row["score"], staff_row["normalized"]);
            assert!(row["votes"].is_null(), "counts are hidden: {row}");
        }
    }
}
