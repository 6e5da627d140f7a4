//! A panic in one connection's task, or in a step of the event's hub, does
//! not take the server down: everyone else keeps being served.

use crate::common::{Client, TestServer, is_chat};
use amphi::domain::Role;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_panicking_connection_leaves_the_others_served() {
    let server = TestServer::start().await;
    let (mut alice, _) = Client::join(&server, Role::Participant, "Alice").await;
    let (mut bob, _) = Client::join(&server, Role::Participant, "Bob").await;
    bob.send_json(json!({"type": "chat", "scope": "room", "text": amphi::TEST_PANIC_CONNECTION}))
        .await;
    // Bob's connection task died: his socket ends.
    bob.recv_close(Duration::from_secs(5)).await;
    // Alice is still served, and new people can still join.
    alice
        .call(json!({"type": "chat", "scope": "room", "text": "toujours là"}))
        .await;
    alice
        .recv_until(|m| is_chat(m, "toujours là"), Duration::from_secs(5))
        .await;
    let (mut carol, _) = Client::join(&server, Role::Participant, "Carol").await;
    carol.assert_alive().await;
    assert_eq!(server.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn a_panicking_hub_step_is_contained_and_counted() {
    let server = TestServer::start().await;
    let (mut alice, _) = Client::join(&server, Role::Participant, "Alice").await;
    let (mut bob, _) = Client::join(&server, Role::Participant, "Bob").await;
    bob.send_json(json!({"type": "chat", "scope": "room", "text": amphi::TEST_PANIC_HUB}))
        .await;
    // The event goes on for both: the next requests are answered.
    bob.call(json!({"type": "chat", "scope": "room", "text": "après la panique"}))
        .await;
    alice
        .recv_until(|m| is_chat(m, "après la panique"), Duration::from_secs(5))
        .await;
    assert_eq!(server.metric("amphi_hub_panics_total").await, 1.0);
    // The text that panicked was never posted.
    alice.assert_never_received("the panicking text", |m| is_chat(m, amphi::TEST_PANIC_HUB));
}
