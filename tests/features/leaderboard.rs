//! The public leaderboard: live, frozen while the jury goes on, and the
//! ceremony reveal from the last place to the first.

use crate::common::{Client, TestServer, is_type};
use crate::{CARTOGRAPHES, DATA_GOUV, OPEN_MAIRIE, op, row_teams, single_criterion_rubric};
use amphi::domain::Role;
use serde_json::{Value, json};

fn board(name: &str) -> Value {
    op("leaderboard", name, json!({}))
}

fn mark(team: u32, value: u32) -> Value {
    op(
        "jury",
        "score",
        json!({"team": team, "criterion": "overall", "value": value}),
    )
}

#[tokio::test]
async fn frozen_boards_stay_put_and_the_reveal_goes_from_last_to_first() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut juror, _) = Client::join(&server, Role::Jury, "Jules").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut watcher, _) = Client::watch(&server).await;
    moderator.call(single_criterion_rubric()).await;
    moderator.call(op("jury", "open_judging", json!({}))).await;
    for (team, value) in [(CARTOGRAPHES, 7), (OPEN_MAIRIE, 9), (DATA_GOUV, 5)] {
        juror.call(mark(team, value)).await;
    }
    assert_eq!(ana.call_err(board("live")).await, "forbidden");
    assert_eq!(juror.call_err(board("freeze")).await, "forbidden");

    // Live: ranks and team scores, nothing per juror.
    moderator.call(board("live")).await;
    let expected_live = json!({
        "mode": "live", "normalized": false, "total": 3, "revealed": null,
        "rows": [
            {"rank": 1, "team": OPEN_MAIRIE, "score": 9.0, "votes": null, "labels": []},
            {"rank": 2, "team": CARTOGRAPHES, "score": 7.0, "votes": null, "labels": []},
            {"rank": 3, "team": DATA_GOUV, "score": 5.0, "votes": null, "labels": []}
        ]
    });
    for client in [&mut ana, &mut watcher] {
        assert_eq!(client.latest("leaderboard").await["board"], expected_live);
    }

    // Frozen: the public keeps this view while the jury changes a score.
    moderator.call(board("freeze")).await;
    let frozen = watcher.latest("leaderboard").await["board"].clone();
    assert_eq!(frozen["mode"], "frozen");
    assert_eq!(frozen["rows"], expected_live["rows"]);
    let seen_before = watcher.log.len();
    juror.call(mark(DATA_GOUV, 10)).await;
    let staff = moderator.latest("staff_leaderboard").await;
    assert_eq!(
        row_teams(&staff["board"]["rows"]),
        [3, 2, 1],
        "the jury sees the live ranking"
    );
    assert_eq!(staff["board"]["public"]["rows"], expected_live["rows"]);
    for client in [&mut ana, &mut watcher] {
        client.barrier().await;
    }
    let after: Vec<&Value> = watcher.log[seen_before..]
        .iter()
        .filter(|m| is_type(m, "leaderboard"))
        .collect();
    // (An unchanged public view is not even re-sent.)
    for msg in after {
        assert_eq!(msg["board"], frozen, "the frozen view does not move");
    }
    assert_eq!(ana.latest("leaderboard").await["board"], frozen);

    // Freezing again refreshes the view, labels included.
    moderator
        .call(op(
            "award",
            "define",
            json!({"id": "king_of_data", "name": "King of data", "unique": true}),
        ))
        .await;
    moderator
        .call(op(
            "award",
            "give",
            json!({"award": "king_of_data", "team": DATA_GOUV}),
        ))
        .await;
    moderator.call(board("freeze")).await;
    let refrozen = watcher.latest("leaderboard").await["board"].clone();
    assert_eq!(row_teams(&refrozen["rows"]), [3, 2, 1]);
    assert_eq!(refrozen["rows"][0]["score"], 10.0);
    assert_eq!(
        refrozen["rows"][0]["labels"],
        json!(["King of data"]),
        "labels by name"
    );

    // The ceremony needs final scores.
    assert_eq!(moderator.call_err(board("reveal")).await, "judging_open");
    assert_eq!(
        moderator.call_err(board("reveal_next")).await,
        "not_revealing"
    );
    moderator.call(op("jury", "close_judging", json!({}))).await;
    moderator.call(board("reveal")).await;
    let start = watcher.latest("leaderboard").await["board"].clone();
    assert_eq!(
        (
            start["mode"].clone(),
            start["total"].clone(),
            start["revealed"].clone(),
            start["rows"].clone()
        ),
        (json!("reveal"), json!(3), json!(0), json!([]))
    );
    let mut revealed = Vec::new();
    for step in 1..=3u64 {
        moderator.call(board("reveal_next")).await;
        let shown = watcher.latest("leaderboard").await["board"].clone();
        assert_eq!(ana.latest("leaderboard").await["board"], shown);
        assert_eq!(shown["revealed"], step);
        assert_eq!(shown["rows"].as_array().unwrap().len() as u64, step);
        let newest = &shown["rows"][0];
        assert_eq!(newest["rank"], 4 - step, "one place up each time");
        revealed.push(newest["team"].as_u64().unwrap());
    }
    assert_eq!(revealed, [1, 2, 3], "team 1 last, team 3 first");
    assert_eq!(
        moderator.call_err(board("reveal_next")).await,
        "reveal_complete"
    );

    // Hidden again: nothing public.
    moderator.call(board("hide")).await;
    assert!(watcher.latest("leaderboard").await["board"].is_null());
    assert!(ana.latest("leaderboard").await["board"].is_null());
}
