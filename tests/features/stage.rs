//! Reactions and questions during a pitch, through the real server on the
//! manual clock: reactions from many clients reach every watcher as at most
//! one `reactions` frame a second.

use crate::common::{Client, TestServer, WAIT, is_type};
use crate::{DATA_GOUV, T0, op};
use amphi::domain::Role;
use serde_json::json;

/// Puts DATA_GOUV on stage.
async fn start_pitch(moderator: &mut Client) {
    moderator
        .call(op("pitch", "set_order", json!({"order": [DATA_GOUV]})))
        .await;
    moderator.call(op("pitch", "start", json!({}))).await;
}

#[tokio::test]
async fn many_reactions_reach_each_watcher_as_one_frame_a_second() {
    let (server, clock) = TestServer::with_manual_clock(T0, |_| {}).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut early, _) = Client::watch(&server).await;
    // Nobody on stage: refused, typed.
    let rid = early
        .request(json!({"type": "react", "reaction": "clap"}))
        .await;
    assert_eq!(early.reply_to(rid).await["code"], "nothing_on_stage");
    assert_eq!(
        early
            .call_err(json!({"type": "react", "reaction": "boo"}))
            .await,
        "invalid_message"
    );
    start_pitch(&mut moderator).await;

    let mut audience = Vec::new();
    for i in 0..12 {
        if i % 2 == 0 {
            audience.push(Client::watch(&server).await.0);
        } else {
            let name = format!("Public {i}");
            audience.push(Client::join(&server, Role::Participant, &name).await.0);
        }
    }
    // Each sends 6 claps and 1 fire in the same (manual) second: 4 count.
    for client in &mut audience {
        for _ in 0..6 {
            client
                .send_json(json!({"type": "react", "reaction": "clap"}))
                .await;
        }
        client
            .send_json(json!({"type": "react", "reaction": "fire"}))
            .await;
    }
    for client in &mut audience {
        client.barrier().await;
    }
    // The first second may already be flushed; the rest waits for the next.
    clock.advance(1_000);
    let mut watchers: Vec<&mut Client> = audience.iter_mut().collect();
    watchers.push(&mut early);
    for client in watchers {
        let mut claps = 0;
        let mut frames = 0;
        while claps < 48 {
            let frame = client.recv_until(|m| is_type(m, "reactions"), WAIT).await;
            assert_eq!(frame["team"], DATA_GOUV, "{frame}");
            assert_eq!(frame["counts"].get("fire"), None, "over budget: {frame}");
            claps += frame["counts"]["clap"].as_u64().unwrap_or(0);
            frames += 1;
        }
        assert_eq!(claps, 48, "4 of each sender's 7 reactions count");
        assert!(frames <= 2, "{frames} frames in two seconds");
        client.barrier().await;
        assert_eq!(
            client.count_received(|m| is_type(m, "reactions")),
            frames,
            "no frame before the clock moves on"
        );
    }
}

fn question(name: &str, fields: serde_json::Value) -> serde_json::Value {
    op("question", name, fields)
}

/// The ids of the visible questions in a `questions` frame, in order.
fn ids(frame: &serde_json::Value) -> Vec<u64> {
    frame["questions"]
        .as_array()
        .map(|qs| qs.iter().filter_map(|q| q["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn questions_are_upvoted_picked_hidden_and_survive_a_restart() {
    use amphi::store::StoreOptions;
    let dir = crate::common::owned_data_dir();
    let start = || TestServer::start_in(&dir, StoreOptions::default(), |_| {});
    let server = start().await;
    let (mut moderator, mw) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, _) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, _) = Client::join(&server, Role::Jury, "Bea").await;
    let (mut watcher, _) = Client::watch(&server).await;

    let ask = |text: &str| question("ask", json!({"text": text}));
    assert_eq!(ana.call_err(ask("Trop tôt ?")).await, "nothing_on_stage");
    start_pitch(&mut moderator).await;
    assert_eq!(
        watcher.call_err(ask("Anonyme ?")).await,
        "forbidden",
        "watchers only react"
    );
    ana.call(ask("Quelle licence pour les données ?")).await;
    assert_eq!(
        ana.call_err(ask("Une autre ?")).await,
        "asking_too_fast",
        "one question per person every 15 s"
    );
    assert_eq!(bea.call_err(ask(&"x".repeat(281))).await, "text_too_long");
    bea.call(ask("Et le modèle économique ?")).await;
    ana.call(question("upvote", json!({"question": 2}))).await;
    assert_eq!(
        ana.call_err(question("upvote", json!({"question": 2})))
            .await,
        "already_upvoted"
    );
    assert_eq!(
        ana.call_err(question("upvote", json!({"question": 9})))
            .await,
        "unknown_question"
    );
    assert_eq!(
        ana.call_err(question("pick", json!({"question": 2}))).await,
        "forbidden",
        "only the moderator picks"
    );
    let ranked = watcher
        .recv_until(
            |m| is_type(m, "questions") && m["questions"][0]["votes"] == 1,
            WAIT,
        )
        .await;
    assert_eq!(ids(&ranked), [2, 1], "most upvoted first: {ranked}");
    assert_eq!(ranked["questions"][0]["text"], "Et le modèle économique ?");

    moderator
        .call(question("pick", json!({"question": 2})))
        .await;
    moderator
        .call(question("hide", json!({"question": 1})))
        .await;
    for client in [&mut watcher, &mut ana] {
        let frame = client
            .recv_until(|m| is_type(m, "questions") && ids(m) == [2], WAIT)
            .await;
        assert_eq!(frame["picked"], 2, "{frame}");
    }
    assert_eq!(
        bea.call_err(question("upvote", json!({"question": 1})))
            .await,
        "question_hidden"
    );
    server.stop().await;

    // Durable: the same list after a restart, and in the results export.
    let server = start().await;
    let (mut late, _) = Client::watch(&server).await;
    let frame = late.recv_until(|m| is_type(m, "questions"), WAIT).await;
    assert_eq!(ids(&frame), [2]);
    assert_eq!(frame["picked"], 2);
    let auth = format!("Bearer {}", mw.session());
    let export = server
        .http(
            "GET",
            "/api/events/demo/results?format=json",
            &[("Authorization", auth.as_str())],
            b"",
        )
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    let results: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    let questions = results["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 2);
    assert_eq!(questions[0]["hidden"], true);
    assert_eq!(questions[1]["upvoters"].as_array().map(Vec::len), Some(1));
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
