//! The run of show and the stage timer on the manual clock, and two clients
//! with skewed clocks agreeing on the countdown.

use crate::common::{Client, TestServer, WAIT, is_type};
use crate::{CARTOGRAPHES, DATA_GOUV, OPEN_MAIRIE, T0, op, wait_for, wait_timer};
use amphi::domain::Role;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

fn pitch(name: &str, fields: Value) -> Value {
    op("pitch", name, fields)
}

/// The newest timer a client holds once the hub's earlier frames are read.
async fn timer_now(client: &mut Client) -> Value {
    client.barrier().await;
    client
        .last_received(|m| is_type(m, "pitch"))
        .expect("a pitch message")["timer"]
        .clone()
}

#[tokio::test]
async fn a_full_run_of_show_for_three_teams() {
    let (server, clock) = TestServer::with_manual_clock(T0, |_| {}).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut speaker, ws) = Client::join(&server, Role::Participant, "Oratrice").await;
    let (mut watcher, _) = Client::watch(&server).await;
    speaker
        .call(json!({"type": "join_team", "team": DATA_GOUV}))
        .await;
    let first = wait_timer(&mut watcher, |_| true).await;
    assert_eq!(first["state"], "idle");
    assert_eq!(first["count"], 0);

    assert_eq!(
        moderator.call_err(pitch("start", json!({}))).await,
        "empty_order"
    );
    moderator
        .call(pitch(
            "set_durations",
            json!({"pitch_ms": 180_000, "qa_ms": 60_000, "warning_ms": 60_000, "wrapup_ms": 30_000}),
        ))
        .await;
    moderator
        .call(pitch(
            "set_order",
            json!({"order": [DATA_GOUV, CARTOGRAPHES, OPEN_MAIRIE]}),
        ))
        .await;
    let shown = wait_for(&mut watcher, "pitch", |m| m["order"] == json!([3, 1, 2])).await;
    let expected = json!({
        "team": null, "index": null, "count": 3, "segment": "pitch", "state": "idle",
        "deadline": null, "remaining_ms": 180_000, "segment_ms": 180_000, "phase": "normal",
        "warning_ms": 60_000, "wrapup_ms": 30_000, "speaker_message": null, "next_team": 3
    });
    for (field, value) in expected.as_object().unwrap() {
        assert_eq!(&shown["timer"][field], value, "timer.{field}: {shown}");
    }

    // Start: the first team takes the stage, the deadline is absolute.
    moderator.call(pitch("start", json!({}))).await;
    let stage = wait_for(&mut watcher, "on_stage", |_| true).await;
    assert_eq!(
        stage,
        json!({"type": "on_stage", "team": DATA_GOUV, "team_name": "Data Gouv Squad"})
    );
    let timer = wait_timer(&mut watcher, |t| t["state"] == "running").await;
    assert_eq!(timer["deadline"], T0 + 180_000);
    assert_eq!(timer["remaining_ms"], 180_000);
    assert_eq!(timer["index"], 0);
    assert_eq!(timer["team"], DATA_GOUV);
    assert_eq!(timer["next_team"], CARTOGRAPHES);
    speaker
        .recv_until(
            |m| is_type(m, "room_changed") && m["id"] == ws.id() && m["to"] == "amphi",
            WAIT,
        )
        .await;
    assert_eq!(
        moderator.call_err(pitch("start", json!({}))).await,
        "timer_already_started"
    );
    assert_eq!(
        moderator.call_err(pitch("resume", json!({}))).await,
        "timer_not_paused"
    );

    // Pause: the remaining time stops; resume: a new deadline.
    clock.set(T0 + 30_000);
    moderator.call(pitch("pause", json!({}))).await;
    let timer = wait_timer(&mut watcher, |t| t["state"] == "paused").await;
    assert_eq!(timer["remaining_ms"], 150_000);
    assert!(timer["deadline"].is_null());
    clock.set(T0 + 40_000);
    moderator.call(pitch("resume", json!({}))).await;
    let timer = wait_timer(&mut watcher, |t| t["deadline"] == T0 + 190_000).await;
    assert_eq!(timer["remaining_ms"], 150_000);
    moderator
        .call(pitch("add_time", json!({"delta_ms": 20_000})))
        .await;
    let timer = wait_timer(&mut watcher, |t| t["deadline"] == T0 + 210_000).await;
    assert_eq!(timer["remaining_ms"], 170_000);
    assert_eq!(timer["phase"], "normal");

    // The phases as time runs out, shown with a message to the speaker.
    for (at, phase, text) in [
        (T0 + 149_999, "normal", "Plus d'une minute"),
        (T0 + 150_000, "warning", "Une minute"),
        (T0 + 180_000, "wrap_up", "Concluez"),
        (T0 + 210_000, "wrap_up", "C'est l'heure"),
        (T0 + 215_000, "overtime", "Dépassement"),
    ] {
        clock.set(at);
        moderator
            .call(pitch("speaker_message", json!({"text": text})))
            .await;
        let timer = wait_timer(&mut watcher, |t| t["speaker_message"] == text).await;
        assert_eq!(timer["phase"], phase, "{text}");
        assert_eq!(timer["remaining_ms"], T0 as i64 + 210_000 - at as i64);
        assert_eq!(timer["state"], "running");
    }
    // Someone arriving now sees the overtime counting up.
    let (mut late, _) = Client::watch(&server).await;
    let timer = wait_timer(&mut late, |_| true).await;
    assert_eq!(timer["remaining_ms"], -5_000);
    assert_eq!(timer["phase"], "overtime");
    assert_eq!(timer["deadline"], T0 + 210_000);

    // Time added in overtime counts from now.
    moderator
        .call(pitch("add_time", json!({"delta_ms": 10_000})))
        .await;
    let timer = wait_timer(&mut watcher, |t| t["deadline"] == T0 + 220_000).await;
    assert_eq!(
        (timer["remaining_ms"].clone(), timer["phase"].clone()),
        (json!(5_000), json!("wrap_up"))
    );
    clock.set(T0 + 222_000);
    moderator.call(pitch("stop", json!({}))).await;
    let timer = wait_timer(&mut watcher, |t| t["state"] == "finished").await;
    assert_eq!(timer["remaining_ms"], -2_000);
    assert_eq!(timer["phase"], "overtime");

    // Questions from the jury.
    moderator.call(pitch("start_qa", json!({}))).await;
    let timer = wait_timer(&mut watcher, |t| t["segment"] == "qa").await;
    assert_eq!(timer["deadline"], T0 + 282_000);
    assert_eq!(timer["segment_ms"], 60_000);

    // Next, next, and no further.
    moderator.call(pitch("next", json!({}))).await;
    let stage = wait_for(&mut watcher, "on_stage", |m| m["team"] == CARTOGRAPHES).await;
    assert_eq!(stage["team_name"], "Les Cartographes");
    let timer = wait_timer(&mut watcher, |t| t["team"] == CARTOGRAPHES).await;
    assert_eq!(timer["state"], "idle");
    assert_eq!(timer["index"], 1);
    assert_eq!(timer["remaining_ms"], 180_000);
    assert!(
        timer["speaker_message"].is_null(),
        "cleared for the next team"
    );
    assert_eq!(timer["next_team"], OPEN_MAIRIE);
    moderator.call(pitch("next", json!({}))).await;
    let timer = wait_timer(&mut watcher, |t| t["team"] == OPEN_MAIRIE).await;
    assert_eq!(timer["index"], 2);
    assert!(timer["next_team"].is_null());
    assert_eq!(
        moderator.call_err(pitch("next", json!({}))).await,
        "no_next_team"
    );
    assert_eq!(timer_now(&mut watcher).await["team"], OPEN_MAIRIE);

    // Previous, then a restart puts the timer back to full length.
    moderator.call(pitch("previous", json!({}))).await;
    let timer = wait_timer(&mut watcher, |t| t["index"] == 1).await;
    assert_eq!(timer["team"], CARTOGRAPHES);
    let started = clock.advance(1_000);
    moderator.call(pitch("start", json!({}))).await;
    wait_timer(&mut watcher, |t| t["deadline"] == started + 180_000).await;
    clock.advance(5_000);
    moderator.call(pitch("restart", json!({}))).await;
    let timer = wait_timer(&mut watcher, |t| {
        t["state"] == "idle" && t["team"] == CARTOGRAPHES
    })
    .await;
    assert_eq!(timer["remaining_ms"], 180_000);
    assert_eq!(
        moderator.call_err(pitch("pause", json!({}))).await,
        "timer_not_running"
    );

    // Thresholds are configurable; they apply from the next start.
    moderator
        .call(pitch(
            "set_durations",
            json!({"pitch_ms": 60_000, "qa_ms": 0, "warning_ms": 20_000, "wrapup_ms": 10_000}),
        ))
        .await;
    let started = clock.advance(1_000);
    moderator.call(pitch("start", json!({}))).await;
    wait_timer(&mut watcher, |t| t["deadline"] == started + 60_000).await;
    for (after, phase) in [
        (39_999, "normal"),
        (40_000, "warning"),
        (50_000, "wrap_up"),
        (60_001, "overtime"),
    ] {
        clock.set(started + after);
        let text = format!("t+{after}");
        moderator
            .call(pitch("speaker_message", json!({"text": text})))
            .await;
        let timer = wait_timer(&mut watcher, |t| t["speaker_message"] == text.as_str()).await;
        assert_eq!(timer["phase"], phase, "{after} ms after the start");
    }
    assert_eq!(
        moderator.call_err(pitch("start_qa", json!({}))).await,
        "no_qa"
    );

    // Bad input changes nothing.
    for (bad, code) in [
        (
            pitch("set_order", json!({"order": [1, 1]})),
            "duplicate_team",
        ),
        (
            pitch("set_order", json!({"order": [1, 99]})),
            "unknown_team",
        ),
        (
            pitch(
                "set_durations",
                json!({"pitch_ms": 180_000, "qa_ms": 0, "warning_ms": 30_000, "wrapup_ms": 60_000}),
            ),
            "thresholds_out_of_order",
        ),
        (
            pitch(
                "set_durations",
                json!({"pitch_ms": 10, "qa_ms": 0, "warning_ms": 0, "wrapup_ms": 0}),
            ),
            "duration_out_of_range",
        ),
        (
            pitch("speaker_message", json!({"text": "x".repeat(141)})),
            "text_too_long",
        ),
    ] {
        assert_eq!(moderator.call_err(bad.clone()).await, code, "{bad}");
    }
    for name in ["next", "pause", "set_order"] {
        assert_eq!(
            speaker.call_err(pitch(name, json!({"order": [1]}))).await,
            "forbidden",
            "{name}"
        );
    }
    let timer = timer_now(&mut watcher).await;
    assert_eq!(timer["team"], CARTOGRAPHES);
    assert_eq!(timer["speaker_message"], "t+60001");
    assert_eq!(timer["count"], 3);
}

/// The local clock of a simulated client whose clock is `skew_ms` off.
fn local_now(skew_ms: f64) -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
        + skew_ms
}

/// NTP-style offset estimate (server minus client), from the round trip
/// with the smallest delay among eight, as docs/protocol.md describes.
async fn estimate_offset(client: &mut Client, skew_ms: f64) -> f64 {
    let mut best: Option<(f64, f64)> = None;
    for _ in 0..8 {
        let t0 = local_now(skew_ms);
        client.send_json(json!({"type": "ping", "t0": t0})).await;
        // The echo of t0 may differ in the last bit (float parsing).
        let pong = client
            .recv_until(
                |m| is_type(m, "pong") && (m["t0"].as_f64().unwrap() - t0).abs() < 1e-3,
                WAIT,
            )
            .await;
        let t3 = local_now(skew_ms);
        let t1 = pong["t1"].as_f64().unwrap();
        let t2 = pong["t2"].as_f64().unwrap();
        let delay = (t3 - t0) - (t2 - t1);
        let offset = ((t1 - t0) + (t2 - t3)) / 2.0;
        if best.is_none_or(|(d, _)| delay < d) {
            best = Some((delay, offset));
        }
    }
    best.unwrap().1
}

#[tokio::test]
async fn clients_with_skewed_clocks_count_down_the_same_remaining_time() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    moderator
        .call(pitch("set_order", json!({"order": [1, 2, 3]})))
        .await;
    moderator.call(pitch("start", json!({}))).await;

    // One client runs 2.5 s ahead, the other 1.7 s behind.
    let (mut ahead, _) = Client::join(&server, Role::Participant, "En avance").await;
    let mut behind = Client::watch(&server).await.0;
    let (skew_ahead, skew_behind) = (2_500.0, -1_700.0);
    let deadline_ahead = wait_timer(&mut ahead, |t| t["state"] == "running").await["deadline"]
        .as_f64()
        .unwrap();
    let deadline_behind = wait_timer(&mut behind, |t| t["state"] == "running").await["deadline"]
        .as_f64()
        .unwrap();
    assert_eq!(
        deadline_ahead, deadline_behind,
        "one absolute deadline for all"
    );

    let offset_ahead = estimate_offset(&mut ahead, skew_ahead).await;
    let offset_behind = estimate_offset(&mut behind, skew_behind).await;
    assert!(
        (offset_ahead + skew_ahead).abs() < 5.0,
        "offset {offset_ahead} for a clock {skew_ahead} ms ahead"
    );
    assert!(
        (offset_behind + skew_behind).abs() < 5.0,
        "offset {offset_behind} for a clock {skew_behind} ms off"
    );

    // At the same instant both compute the remaining time from the deadline
    // and their own clock corrected by their offset.
    let remaining_ahead = deadline_ahead - (local_now(skew_ahead) + offset_ahead);
    let remaining_behind = deadline_behind - (local_now(skew_behind) + offset_behind);
    let truth = deadline_ahead - local_now(0.0);
    assert!(
        (remaining_ahead - remaining_behind).abs() < 5.0,
        "{remaining_ahead} vs {remaining_behind}"
    );
    assert!(
        (remaining_ahead - truth).abs() < 5.0,
        "{remaining_ahead} vs {truth}"
    );
    assert!(remaining_ahead > 170_000.0 && remaining_ahead <= 180_000.0);
    // Uncorrected, they would be 4.2 s apart.
    let naive =
        (deadline_ahead - local_now(skew_ahead)) - (deadline_behind - local_now(skew_behind));
    assert!((naive.abs() - 4_200.0).abs() < 5.0, "{naive}");
}

/// The refusal (code and message) of a pitch op.
async fn refusal(moderator: &mut Client, name: &str) -> (String, String) {
    let rid = moderator.request(pitch(name, json!({}))).await;
    let reply = moderator.reply_to(rid).await;
    assert!(is_type(&reply, "error"), "{name}: {reply}");
    (
        reply["code"].as_str().unwrap().to_string(),
        reply["message"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn after_stop_the_refusals_point_to_restart_or_next_and_restart_works() {
    let (server, _clock) = TestServer::with_manual_clock(T0, |_| {}).await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    moderator
        .call(pitch(
            "set_order",
            json!({"order": [DATA_GOUV, CARTOGRAPHES]}),
        ))
        .await;
    moderator.call(pitch("start", json!({}))).await;
    let (code, message) = refusal(&mut moderator, "start").await;
    assert_eq!(code, "timer_already_started");
    assert!(message.contains("pause"), "{message}");
    moderator.call(pitch("stop", json!({}))).await;

    let (code, message) = refusal(&mut moderator, "start").await;
    assert_eq!(code, "timer_already_started");
    assert!(
        message.contains("finished") && message.contains("restart") && !message.contains("resume"),
        "{message}"
    );
    let (code, message) = refusal(&mut moderator, "resume").await;
    assert_eq!(code, "timer_not_paused");
    assert!(message.contains("restart"), "{message}");
    // What the hints name works.
    moderator.call(pitch("restart", json!({}))).await;
    moderator.call(pitch("start", json!({}))).await;
}
