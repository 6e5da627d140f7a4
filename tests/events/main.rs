//! Integration tests of several events on one server (issue 18), through
//! the real server: the operator's admin API, per-event maps, settings and
//! their typed refusals, the lifecycle (an archived event is read-only),
//! clones, deletion without a restart, isolation of tokens between events,
//! recovery of created events after a restart, and the `amphi event` CLI.
//!
//! - [`admin`]: create, list, show, update, clone, delete; bad input.
//! - [`isolation`]: two events with different maps, people in both at once;
//!   tokens and sessions that open nothing elsewhere.
//! - [`lifecycle`]: phases, archive, scores only while live or judging.
//! - [`maps`]: an uploaded map with its tileset image: checked, kept, served.
//! - [`privacy`]: download my data, delete my account, retention purge.
//! - [`registration`]: public sign-up, capacity, waiting list, personal links.
//! - [`restart`]: created events come back after a restart, maps and all.
//! - [`cli`]: `amphi event …` against the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use amphi_testkit as common;

#[path = "../durability/binary.rs"]
#[allow(dead_code)]
mod binary;

mod admin;
mod cli;
mod isolation;
mod lifecycle;
mod maps;
mod privacy;
mod registration;
mod restart;

use common::{Client, HttpResponse, TestServer, WAIT, http_request, is_type};
use serde_json::{Value, json};

/// The operator token every test server here is given.
pub const OPERATOR: &str = "operator-token-for-tests-0123";

/// A server with a known operator token.
pub async fn server() -> TestServer {
    TestServer::with_config(|c| c.admin_token = Some(amphi::config::SecretString::new(OPERATOR)))
        .await
}

/// An admin API call with the operator token.
pub async fn admin(server: &TestServer, method: &str, path: &str, body: Value) -> HttpResponse {
    call(server, method, path, OPERATOR, body).await
}

/// An HTTP call with a bearer token and a JSON body.
pub async fn call(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> HttpResponse {
    let auth = format!("Bearer {token}");
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    http_request(
        server.addr(),
        method,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body,
    )
    .await
}

pub fn json_of(response: &HttpResponse) -> Value {
    serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", response.body))
}

/// Creates an event; returns the answer (`event`, `moderator_link`).
pub async fn create(server: &TestServer, settings: Value) -> Value {
    let response = admin(
        server,
        "POST",
        "/api/admin/events",
        json!({ "settings": settings }),
    )
    .await;
    assert_eq!(response.status, 201, "create: {}", response.body);
    json_of(&response)
}

/// The invite token inside a join link.
pub fn token_in(link: &Value) -> String {
    common::token_of(link.as_str().expect("a link"))
}

/// Says hello to `event` with an invite; returns the welcome or the error.
pub async fn hello(client: &mut Client, event: &str, invite: &str, name: &str) -> Value {
    client
        .send_json(
            json!({"type": "hello", "protocol": 2, "event": event, "invite": invite, "name": name}),
        )
        .await;
    client
        .recv_until(|m| is_type(m, "welcome") || is_type(m, "error"), WAIT)
        .await
}

/// Joins `event` as its moderator (with the creation's link).
pub async fn join_moderator(server: &TestServer, event: &str, link: &Value) -> (Client, Value) {
    let mut client = Client::connect(server).await;
    let welcome = hello(&mut client, event, &token_in(link), "Modératrice").await;
    assert!(is_type(&welcome, "welcome"), "{welcome}");
    (client, welcome)
}

/// A participant invite of `event`, made by its moderator.
pub async fn participant_invite(moderator: &mut Client) -> String {
    let rid = moderator
        .request(json!({"type": "create_invite", "role": "participant", "team": null, "label": "", "expires_at": null, "max_uses": null}))
        .await;
    let created = moderator
        .recv_until(|m| is_type(m, "invite_created") && m["rid"] == rid, WAIT)
        .await;
    created["token"].as_str().unwrap().to_string()
}
