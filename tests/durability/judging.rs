//! The pitch session survives a restart: a running timer keeps its absolute
//! deadline (so it resumes with the right remaining time), and scores,
//! ballots, labels and the published leaderboard are all still there.

use crate::common::{Client, TestServer, is_type};
use crate::data_dir;
use amphi::domain::Role;
use amphi::store::StoreOptions;
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_running_timer_and_the_judging_survive_a_restart() {
    let dir = data_dir();
    let first = TestServer::start_in(&dir.0, StoreOptions::default(), |_| {}).await;
    let (mut moderator, wm) = Client::join(&first, Role::Moderator, "Claire").await;
    let (mut juror, wj) = Client::join(&first, Role::Jury, "Paul").await;
    let (mut voter, wv) = Client::join(&first, Role::Participant, "Zoé").await;
    voter.call(json!({"type": "join_team", "team": 1})).await;

    moderator
        .call(json!({"type": "jury", "op": "open_judging"}))
        .await;
    juror
        .call(json!({"type": "jury", "op": "score", "team": 1, "criterion": "impact", "value": 8}))
        .await;
    moderator.call(json!({"type": "vote", "op": "open"})).await;
    voter
        .call(json!({"type": "vote", "op": "cast", "team": 2}))
        .await;
    moderator
        .call(json!({"type": "award", "op": "define", "id": "libris", "name": "Libris"}))
        .await;
    moderator
        .call(json!({"type": "award", "op": "give", "award": "libris", "team": 1}))
        .await;
    moderator
        .call(json!({"type": "leaderboard", "op": "live"}))
        .await;
    moderator
        .call(json!({"type": "pitch", "op": "set_order", "order": [1, 2, 3]}))
        .await;
    moderator
        .call(json!({"type": "pitch", "op": "start"}))
        .await;
    let running = moderator
        .recv_until(
            |m| is_type(m, "pitch") && m["timer"]["state"] == "running",
            WAIT,
        )
        .await;
    let deadline = running["timer"]["deadline"]
        .as_u64()
        .expect("a running timer has a deadline");
    first.stop().await;

    let second = TestServer::start_in(&dir.0, StoreOptions::default(), |_| {}).await;
    let (mut moderator, _) = Client::rejoin(&second, &wm.session(), 0).await;
    let pitch = moderator.recv_until(|m| is_type(m, "pitch"), WAIT).await;
    assert_eq!(pitch["timer"]["state"], "running", "{pitch}");
    assert_eq!(pitch["timer"]["team"], 1);
    assert_eq!(
        pitch["timer"]["deadline"], deadline,
        "the same absolute deadline after the restart"
    );
    let remaining = pitch["timer"]["remaining_ms"].as_i64().unwrap();
    assert!(remaining > 0 && remaining <= 180_000, "{remaining}");
    let staff = moderator
        .recv_until(|m| is_type(m, "staff_leaderboard"), WAIT)
        .await;
    assert_eq!(staff["board"]["mode"], "live");

    let (mut juror, _) = Client::rejoin(&second, &wj.session(), 0).await;
    let sheet = juror.recv_until(|m| is_type(m, "jury_sheet"), WAIT).await;
    assert_eq!(sheet["scores"]["1"]["impact"], 8, "{sheet}");
    assert_eq!(sheet["judging_open"], true);
    let awards = juror.recv_until(|m| is_type(m, "awards"), WAIT).await;
    assert_eq!(awards["awards"][0]["teams"], json!([1]));

    let (mut voter, _) = Client::rejoin(&second, &wv.session(), 0).await;
    let ballot = voter.recv_until(|m| is_type(m, "my_votes"), WAIT).await;
    assert_eq!(ballot["ballot"], json!([2]));
    let board = voter.recv_until(|m| is_type(m, "leaderboard"), WAIT).await;
    assert_eq!(
        board["board"]["mode"], "live",
        "the board stays published: {board}"
    );
    second.stop().await;
}
