//! The idea board through the real server: ideas posted, supported within a
//! budget, people interested, the board closed, an idea turned into a team
//! with its interested people and a table; everyone sees it live.

use crate::common::{Client, TestServer, is_type};
use crate::{op, wait_for};
use amphi::domain::Role;
use amphi::store::StoreOptions;
use serde_json::{Value, json};

fn idea(name: &str, fields: Value) -> Value {
    op("idea", name, fields)
}

fn post(title: &str) -> Value {
    idea(
        "post",
        json!({"title": title, "pitch": "Une carte des fontaines", "skills": ["Rust", "cartographie"]}),
    )
}

/// The ids of the board's ideas in ranking order.
fn ranking(board: &Value) -> Vec<u64> {
    board["ideas"]
        .as_array()
        .map(|ideas| ideas.iter().filter_map(|i| i["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_idea_gathers_supports_and_becomes_a_team() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, ana_w) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, bea_w) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut cyd, _) = Client::join(&server, Role::Participant, "Cyd").await;
    let (mut jules, _) = Client::join(&server, Role::Jury, "Jules").await;

    ana.call(post("Cartes ouvertes")).await;
    ana.call(post("Bancs publics")).await;
    // Everyone hears of the board live, spectators of the venue included.
    let board = wait_for(&mut jules, "ideas", |m| {
        m["ideas"].as_array().is_some_and(|a| a.len() == 2)
    })
    .await;
    assert_eq!(board["open"], true);
    assert_eq!(board["ideas"][0]["author_name"], "Ana");
    assert_eq!(board["ideas"][0]["skills"], json!(["Rust", "cartographie"]));

    // Supports: one per idea, never one's own, within the budget.
    let support = |i: u32| idea("support", json!({"idea": i}));
    assert_eq!(ana.call_err(support(1)).await, "own_idea");
    moderator
        .call(idea("set_budget", json!({"supports_per_person": 1})))
        .await;
    bea.call(support(2)).await;
    assert_eq!(bea.call_err(support(2)).await, "already_supported");
    assert_eq!(bea.call_err(support(1)).await, "no_supports_left");
    assert_eq!(bea.call_err(support(42)).await, "unknown_idea");
    bea.call(idea("withdraw", json!({"idea": 2}))).await;
    bea.call(support(1)).await;
    cyd.call(support(1)).await;
    assert_eq!(
        moderator
            .call_err(idea("set_budget", json!({"supports_per_person": 0})))
            .await,
        "budget_out_of_range"
    );
    assert_eq!(jules.call_err(support(1)).await, "forbidden");

    // Interest, then the board closes.
    bea.call(idea("interest", json!({"idea": 1, "interested": true})))
        .await;
    let board = moderator.latest("ideas").await;
    assert_eq!(ranking(&board), vec![1, 2]);
    assert_eq!(
        board["ideas"][0]["supporters"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(board["ideas"][0]["interested"], json!([bea_w.id()]));
    assert_eq!(ana.call_err(idea("close", json!({}))).await, "forbidden");
    moderator.call(idea("close", json!({}))).await;
    assert_eq!(cyd.call_err(post("Trop tard")).await, "board_closed");
    assert_eq!(
        cyd.call_err(idea("withdraw", json!({"idea": 1}))).await,
        "board_closed"
    );

    // The moderator turns the idea into a team: author and interested in it,
    // a table given, and everyone told.
    moderator.call(idea("make_team", json!({"idea": 1}))).await;
    let team = wait_for(&mut cyd, "team_updated", |m| {
        m["team"]["name"] == "Cartes ouvertes"
            && m["team"]["members"]
                .as_array()
                .is_some_and(|a| a.len() == 2)
    })
    .await;
    assert_eq!(team["team"]["members"], json!([ana_w.id(), bea_w.id()]));
    assert!(team["team"]["table"].is_string(), "{team}");
    let board = wait_for(&mut ana, "ideas", |m| !m["ideas"][0]["team"].is_null()).await;
    assert_eq!(board["ideas"][0]["team"], team["team"]["id"]);
    assert_eq!(
        moderator
            .call_err(idea("make_team", json!({"idea": 1})))
            .await,
        "idea_taken"
    );
    assert!(
        ana.log
            .iter()
            .any(|m| is_type(m, "member_team_changed") && m["id"] == ana_w.id())
    );
}

#[tokio::test]
async fn the_board_survives_a_restart() {
    let dir = crate::common::owned_data_dir();
    let start = || TestServer::start_in(&dir, StoreOptions::default(), |_| {});
    let server = start().await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, _) = Client::join(&server, Role::Participant, "Bea").await;
    ana.call(post("Cartes ouvertes")).await;
    bea.call(idea("support", json!({"idea": 1}))).await;
    server.stop().await;

    let server = start().await;
    let (mut cyd, _) = Client::join(&server, Role::Participant, "Cyd").await;
    let board = cyd.latest("ideas").await;
    assert_eq!(board["ideas"][0]["title"], "Cartes ouvertes");
    assert_eq!(
        board["ideas"][0]["supporters"].as_array().map(Vec::len),
        Some(1)
    );
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
