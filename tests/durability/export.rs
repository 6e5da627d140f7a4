//! `amphi export` reads a stopped event's data directory and prints its
//! results as open data (JSON, CSV), the same as the moderator's download.

use crate::common::{Client, TestServer};
use crate::data_dir;
use amphi::domain::Role;
use amphi::store::StoreOptions;
use serde_json::{Value, json};

fn export(dir: &std::path::Path, format: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_amphi"))
        .args(["export", "--format", format, "--data-dir"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "amphi export failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_cli_exports_scores_ranking_votes_and_labels() {
    let dir = data_dir();
    let server = TestServer::start_in(&dir.0, StoreOptions::default(), |_| {}).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Claire").await;
    let (mut juror, _) = Client::join(&server, Role::Jury, "Paul Juré").await;
    let (mut voter, _) = Client::join(&server, Role::Participant, "Zoé").await;
    voter.call(json!({"type": "join_team", "team": 3})).await;
    moderator
        .call(json!({"type": "jury", "op": "open_judging"}))
        .await;
    for (team, value) in [(1, 9), (2, 4)] {
        for criterion in [
            "impact",
            "innovation",
            "feasibility",
            "use_of_data",
            "pitch",
        ] {
            juror.call(json!({"type": "jury", "op": "score", "team": team, "criterion": criterion, "value": value})).await;
        }
    }
    moderator.call(json!({"type": "vote", "op": "open"})).await;
    voter
        .call(json!({"type": "vote", "op": "cast", "team": 2}))
        .await;
    moderator
        .call(json!({"type": "award", "op": "define", "id": "libris", "name": "Libris"}))
        .await;
    moderator
        .call(json!({"type": "award", "op": "give", "award": "libris", "team": 2}))
        .await;
    server.stop().await;

    let results: Value = serde_json::from_str(&export(&dir.0, "json")).unwrap();
    let text = results.to_string();
    assert!(
        text.contains("Les Cartographes") && text.contains("Paul Juré") && text.contains("Libris"),
        "{text}"
    );
    let ranking = export(&dir.0, "ranking-csv");
    assert_eq!(
        export(&dir.0, "ranking.csv"),
        ranking,
        "the HTTP spelling too"
    );
    let rows: Vec<&str> = ranking.lines().collect();
    assert!(rows[0].starts_with("rank,team_id,team"), "{ranking}");
    assert!(
        rows[1].starts_with("1,1,Les Cartographes,"),
        "the 9s rank first: {ranking}"
    );
    assert!(
        rows[2].starts_with("2,2,Open Mairie,") && rows[2].contains("Libris"),
        "{ranking}"
    );
    let long = export(&dir.0, "csv");
    assert_eq!(
        long.lines().filter(|l| l.contains("Paul Juré")).count(),
        10,
        "one row per team × criterion scored: {long}"
    );
}
