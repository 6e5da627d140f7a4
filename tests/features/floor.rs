//! Raise a hand and the floor, through the real server: the queue in the
//! order hands went up, who may give the floor, the typed refusals, and the
//! floor ending when its holder walks out or disconnects. (That the holder
//! is then forwarded is the browser test `media_stage`.)

use crate::common::{Client, TestServer, WAIT, is_type};
use crate::{DATA_GOUV, op};
use amphi::domain::Role;
use serde_json::{Value, json};

fn floor(op_name: &str, fields: Value) -> Value {
    op("floor", op_name, fields)
}

async fn into_amphi(client: &mut Client) {
    client
        .call(json!({"type": "teleport", "room": "amphi"}))
        .await;
}

/// Waits for a `floor` frame satisfying `pred`.
async fn floor_where(client: &mut Client, pred: impl Fn(&Value) -> bool) -> Value {
    client
        .recv_until(|m| is_type(m, "floor") && pred(m), WAIT)
        .await
}

fn hands(frame: &Value) -> Vec<(u64, String, bool)> {
    frame["hands"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|h| {
                    (
                        h["member"].as_u64().unwrap_or(0),
                        h["name"].as_str().unwrap_or_default().to_string(),
                        h["speaking"] == true,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn hands_queue_in_order_and_only_the_moderator_gives_and_takes_the_floor() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, wb) = Client::join(&server, Role::Participant, "Bea").await;
    let (mut cyd, wc) = Client::join(&server, Role::Participant, "Cyd").await;
    let (a, b, c) = (wa.id() as u64, wb.id() as u64, wc.id() as u64);
    // Everyone is told the floor on joining: empty, jurors speak in Q&A.
    let first = floor_where(&mut moderator, |_| true).await;
    assert_eq!(first["hands"], json!([]), "{first}");
    assert_eq!(first["jurors_speak_in_qa"], true, "{first}");
    assert_eq!(first["max_holders"], 3, "{first}");

    // Outside the amphitheatre, no hand goes up; a moderator needs none.
    assert_eq!(
        cyd.call_err(floor("raise", json!({}))).await,
        "not_in_amphitheatre"
    );
    into_amphi(&mut moderator).await;
    assert_eq!(
        moderator.call_err(floor("raise", json!({}))).await,
        "already_speaker"
    );
    for client in [&mut bea, &mut ana] {
        into_amphi(client).await;
        client.call(floor("raise", json!({}))).await;
    }
    // Raising twice keeps one's place.
    bea.call(floor("raise", json!({}))).await;
    let queue = floor_where(&mut moderator, |m| hands(m).len() == 2).await;
    assert_eq!(
        hands(&queue),
        vec![(b, "Bea".into(), false), (a, "Ana".into(), false)],
        "in the order hands went up, with names: {queue}"
    );
    assert!(queue["hands"][0]["raised_at"].as_u64().is_some());

    // Only the moderator gives the floor, to a raised hand in the room.
    assert_eq!(
        bea.call_err(floor("give", json!({"member": b}))).await,
        "forbidden"
    );
    assert_eq!(
        moderator
            .call_err(floor("give", json!({"member": c})))
            .await,
        "member_not_in_amphitheatre"
    );
    into_amphi(&mut cyd).await;
    assert_eq!(
        moderator
            .call_err(floor("give", json!({"member": c})))
            .await,
        "hand_not_raised"
    );
    assert_eq!(
        moderator
            .call_err(floor("give", json!({"member": 9999})))
            .await,
        "unknown_member"
    );
    moderator.call(floor("give", json!({"member": a}))).await;
    let given = floor_where(&mut ana, |m| m["holders"] == json!([a])).await;
    assert_eq!(
        hands(&given),
        vec![(b, "Bea".into(), false), (a, "Ana".into(), true)]
    );

    // Taking back: only from a holder; the hand goes down with it.
    assert_eq!(
        moderator
            .call_err(floor("take", json!({"member": b})))
            .await,
        "not_holding_floor"
    );
    assert_eq!(
        ana.call_err(floor("take", json!({"member": a}))).await,
        "forbidden"
    );
    moderator.call(floor("take", json!({"member": a}))).await;
    let taken = floor_where(&mut bea, |m| {
        m["holders"] == json!([]) && hands(m).len() == 1
    })
    .await;
    assert_eq!(hands(&taken), vec![(b, "Bea".into(), false)]);

    // Lowering one's hand leaves the queue.
    bea.call(floor("lower", json!({}))).await;
    floor_where(&mut moderator, |m| m["hands"] == json!([])).await;
}

#[tokio::test]
async fn the_floor_ends_when_its_holder_walks_out_or_disconnects() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut ana, wa) = Client::join(&server, Role::Participant, "Ana").await;
    let (mut bea, wb) = Client::join(&server, Role::Participant, "Bea").await;
    let (a, b) = (wa.id() as u64, wb.id() as u64);
    for client in [&mut ana, &mut bea] {
        into_amphi(client).await;
        client.call(floor("raise", json!({}))).await;
    }
    moderator.call(floor("give", json!({"member": a}))).await;
    moderator.call(floor("give", json!({"member": b}))).await;
    floor_where(&mut moderator, |m| m["holders"] == json!([a, b])).await;

    // Ana walks out: her hand and the floor go.
    ana.call(json!({"type": "teleport", "room": "hall"})).await;
    let after = floor_where(&mut moderator, |m| m["holders"] == json!([b])).await;
    assert_eq!(hands(&after), vec![(b, "Bea".into(), true)]);

    // Bea's connection drops: the same.
    bea.close().await;
    floor_where(&mut moderator, |m| {
        m["holders"] == json!([]) && m["hands"] == json!([])
    })
    .await;
}

#[tokio::test]
async fn jurors_in_qa_is_a_moderators_setting_and_qa_follows_the_timer() {
    let server = TestServer::start().await;
    let (mut moderator, _) = Client::join(&server, Role::Moderator, "Modé").await;
    let (mut juror, _) = Client::join(&server, Role::Jury, "Juré").await;
    assert_eq!(
        juror
            .call_err(floor("jurors_in_qa", json!({"on": false})))
            .await,
        "forbidden"
    );
    moderator
        .call(floor("jurors_in_qa", json!({"on": false})))
        .await;
    floor_where(&mut juror, |m| m["jurors_speak_in_qa"] == false).await;
    moderator
        .call(floor("jurors_in_qa", json!({"on": true})))
        .await;
    floor_where(&mut juror, |m| m["jurors_speak_in_qa"] == true).await;

    // Q&A: the pitch is over and the team is still on stage.
    moderator
        .call(op("pitch", "set_order", json!({"order": [DATA_GOUV]})))
        .await;
    moderator.call(op("pitch", "start", json!({}))).await;
    moderator.call(op("pitch", "stop", json!({}))).await;
    floor_where(&mut juror, |m| m["qa"] == true).await;
    moderator.call(op("pitch", "restart", json!({}))).await;
    floor_where(&mut juror, |m| m["qa"] == false).await;
}
