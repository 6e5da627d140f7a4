//! Bad input: each case gets a typed error (or, for an oversized frame, a
//! documented close), the connection keeps working, and others notice nothing.

use crate::common::{Client, Ended, TestServer, WAIT, is_chat, is_type};
use amphi::domain::Role;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Two joined people in the same room: the one sending bad input, and a
/// bystander who must notice nothing.
async fn pair(server: &TestServer) -> (Client, Client) {
    let (sender, _) = Client::join(server, Role::Participant, "Mallory").await;
    let (bystander, _) = Client::join(server, Role::Participant, "Bob").await;
    (sender, bystander)
}

/// The bystander's next expected message still arrives normally, and nothing
/// else reached it; the sender's connection still works through the hub.
async fn nobody_noticed(sender: &mut Client, bystander: &mut Client, marker: &str) {
    sender
        .call(json!({"type": "chat", "scope": "room", "text": marker}))
        .await;
    bystander.recv_until(|m| is_chat(m, marker), WAIT).await;
    bystander.assert_never_received("a reaction to bad input", |m| {
        is_type(m, "error")
            || is_type(m, "person_left")
            || is_type(m, "room_changed")
            || is_type(m, "status_changed")
            || (is_type(m, "chat")
                && !m["message"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("marker"))
    });
}

/// Sends raw text and returns the error it got.
async fn refused(client: &mut Client, raw: &str) -> Value {
    client.send_raw_text(raw).await;
    client.recv_until(|m| is_type(m, "error"), WAIT).await
}

#[tokio::test]
async fn malformed_json_and_unknown_types() {
    let server = TestServer::start().await;
    let (mut m, mut b) = pair(&server).await;
    for raw in ["{not json", "", "{\"type\":\"chat\",", "\u{0}\u{1}"] {
        let err = refused(&mut m, raw).await;
        assert_eq!(err["code"], "bad_json", "{raw:?}: {err}");
        assert!(err.get("rid").is_none());
    }
    let err = refused(&mut m, r#"{"type":"fly","rid":5}"#).await;
    assert_eq!(
        (err["code"].as_str(), err["rid"].as_u64()),
        (Some("unknown_type"), Some(5))
    );
    for raw in [
        "[1,2]",
        "42",
        "\"step\"",
        "null",
        r#"{"dx":1}"#,
        r#"{"type":5}"#,
    ] {
        let err = refused(&mut m, raw).await;
        assert_eq!(err["code"], "invalid_message", "{raw}: {err}");
    }
    nobody_noticed(&mut m, &mut b, "marker 1").await;
}

#[tokio::test]
async fn missing_mistyped_and_out_of_range_fields() {
    let server = TestServer::start().await;
    let (mut m, mut b) = pair(&server).await;
    let cases = [
        (json!({"type": "step", "dx": 1}), "invalid_message"),
        (
            json!({"type": "step", "dx": "left", "dy": 0}),
            "invalid_message",
        ),
        (
            json!({"type": "step", "dx": 1.5, "dy": 0}),
            "invalid_message",
        ),
        (
            json!({"type": "walk_to", "x": 1e40, "y": 2}),
            "invalid_message",
        ),
        (
            json!({"type": "walk_to", "x": 18446744073709551616u128 as f64, "y": 2}),
            "invalid_message",
        ),
        (json!({"type": "walk_to", "x": -1, "y": 2}), "out_of_bounds"),
        (json!({"type": "walk_to", "x": 3, "y": -7}), "out_of_bounds"),
        (
            json!({"type": "walk_to", "x": 1_000_000_000_000i64, "y": 2}),
            "out_of_bounds",
        ),
        (json!({"type": "walk", "x": 3}), "invalid_message"),
        (
            json!({"type": "walk", "x": 3.5, "y": 2, "dx": 1}),
            "invalid_message",
        ),
        (
            json!({"type": "walk", "x": 3, "y": 2, "dx": "up"}),
            "invalid_message",
        ),
        (
            json!({"type": "walk", "x": 3, "y": 2, "dx": 1, "dy": 1}),
            "invalid_step",
        ),
        (
            json!({"type": "walk", "x": 3, "y": 2, "dx": -9_223_372_036_854_775_808i64, "dy": 0}),
            "invalid_step",
        ),
        (
            json!({"type": "walk", "x": -1, "y": 2, "dx": 1}),
            "out_of_bounds",
        ),
        (json!({"type": "teleport"}), "invalid_message"),
        (json!({"type": "teleport", "room": 7}), "invalid_message"),
        (
            json!({"type": "teleport", "room": "atlantis"}),
            "unknown_room",
        ),
        (json!({"type": "teleport", "room": ""}), "unknown_room"),
        (
            json!({"type": "set_status", "status": "asleep"}),
            "invalid_message",
        ),
        (
            json!({"type": "chat", "scope": "everywhere", "text": "hi"}),
            "invalid_message",
        ),
        (json!({"type": "chat", "scope": "room"}), "invalid_message"),
        (
            json!({"type": "chat", "scope": "room", "text": null}),
            "invalid_message",
        ),
        (json!({"type": "join_team", "team": -1}), "invalid_message"),
        (
            json!({"type": "join_team", "team": 5_000_000_000u64}),
            "invalid_message",
        ),
        (json!({"type": "ping"}), "invalid_message"),
    ];
    for (request, code) in cases {
        let shown = request.to_string();
        let rid = m.request(request).await;
        let reply = m.reply_to(rid).await;
        assert_eq!(reply["type"], "error", "{shown}: {reply}");
        assert_eq!(reply["code"], code, "{shown}: {reply}");
        assert!(reply["message"].as_str().is_some_and(|s| !s.is_empty()));
    }
    // Every refusal of a present field names it.
    let named = [
        (json!({"type": "step", "dx": "left", "dy": 0}), "dx"),
        (json!({"type": "walk_to", "x": 1e40, "y": 2}), "x"),
        (json!({"type": "teleport", "room": 7}), "room"),
        (json!({"type": "set_status", "status": "asleep"}), "status"),
        (
            json!({"type": "chat", "scope": "everywhere", "text": "hi"}),
            "scope",
        ),
        (
            json!({"type": "chat", "scope": "room", "text": null}),
            "text",
        ),
        (json!({"type": "join_team", "team": -1}), "team"),
        (
            json!({"type": "jury", "op": "score", "team": 1, "criterion": "impact", "value": -1}),
            "value",
        ),
    ];
    for (request, field) in named {
        let shown = request.to_string();
        let rid = m.request(request).await;
        let reply = m.reply_to(rid).await;
        assert_eq!(reply["code"], "invalid_message", "{shown}: {reply}");
        let message = reply["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("`{field}`")),
            "{shown}: the message does not name `{field}`: {message}"
        );
    }
    // A wrong rid is still answered (without one).
    let err = refused(&mut m, r#"{"type":"step","dx":1,"dy":0,"rid":"x"}"#).await;
    assert_eq!(err["code"], "invalid_message");
    nobody_noticed(&mut m, &mut b, "marker 2").await;
}

#[tokio::test]
async fn chat_text_must_be_non_empty_and_within_the_limit() {
    let server = TestServer::start().await;
    let (mut m, mut b) = pair(&server).await;
    let limit = 1000;
    let cases = [
        ("x".repeat(limit + 1), "text_too_long"),
        ("é".repeat(limit + 1), "text_too_long"),
        (String::new(), "empty_text"),
        ("   \n\t ".to_string(), "empty_text"),
        ("\u{202E}\u{0007}".to_string(), "empty_text"),
    ];
    for (text, code) in cases {
        assert_eq!(
            m.call_err(json!({"type": "chat", "scope": "room", "text": text}))
                .await,
            code
        );
    }
    // Exactly at the limit (in characters, not bytes) is fine.
    m.call(json!({"type": "chat", "scope": "room", "text": format!("marker {}", "é".repeat(limit - 7))}))
        .await;
    // Names of teams follow the name limit.
    assert_eq!(
        m.call_err(json!({"type": "create_team", "name": "t".repeat(41)}))
            .await,
        "text_too_long"
    );
    nobody_noticed(&mut m, &mut b, "marker 3").await;
    assert_eq!(
        b.count_received(|msg| is_type(msg, "chat")),
        2,
        "only the two valid messages"
    );
}

#[tokio::test]
async fn binary_frames_are_refused_politely() {
    let server = TestServer::start().await;
    let (mut m, mut b) = pair(&server).await;
    m.send_message(Message::binary(vec![0u8, 159, 146, 150]))
        .await;
    let err = m.expect_error("invalid_message").await;
    assert!(err["message"].as_str().unwrap().contains("text"), "{err}");
    // Before hello too.
    let mut fresh = Client::connect(&server).await;
    fresh
        .send_message(Message::binary(b"{\"type\":\"hello\"}".to_vec()))
        .await;
    fresh.expect_error("invalid_message").await;
    fresh.assert_alive().await;
    nobody_noticed(&mut m, &mut b, "marker 4").await;
}

#[tokio::test]
async fn an_oversized_frame_closes_with_1009_and_others_carry_on() {
    let server = TestServer::with_config(|c| c.max_frame_bytes = 4096).await;
    let (mut m, mut b) = pair(&server).await;
    let huge = json!({"type": "chat", "scope": "room", "text": "x".repeat(5000)}).to_string();
    m.send_raw_text(&huge).await;
    match m.recv_close(WAIT).await {
        Ended::Close(code, _) => assert_eq!(code, 1009),
        other => panic!("expected close 1009, got {other:?}"),
    }
    // The bystander is unaffected and the server counts the frame.
    let (mut other, _) = Client::join(&server, Role::Participant, "Carol").await;
    other
        .call(json!({"type": "chat", "scope": "room", "text": "marker 5"}))
        .await;
    b.recv_until(|msg| is_chat(msg, "marker 5"), WAIT).await;
    b.assert_never_received("the oversized message", |msg| {
        is_type(msg, "chat") && msg["message"]["text"].as_str().unwrap().len() > 1000
    });
    assert!(server.metric("amphi_oversized_frames_total").await >= 1.0);
}

#[tokio::test]
async fn a_large_frame_under_the_limit_is_fine() {
    let server = TestServer::start().await;
    let (mut m, mut b) = pair(&server).await;
    // 1000 four-byte characters: 4 KB of text, under the 16 KiB frame limit.
    let text = format!("marker {}", "🎉".repeat(993));
    m.call(json!({"type": "chat", "scope": "room", "text": text}))
        .await;
    b.recv_until(|msg| is_chat(msg, &text), WAIT).await;
}
