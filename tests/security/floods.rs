//! Rate limits per connection (one budget per kind of message), the flood
//! close, and connections per address.

use crate::common::{Client, Ended, TestServer, is_type};
use amphi::domain::Role;
use amphi::net::admission::ConnectionLimits;
use amphi::net::rate::{Budget, RateLimits};
use serde_json::{Value, json};
use std::time::Duration;

/// Tight budgets: 3 at once, then 1 per 10 s; a flood after 20 refusals.
fn tight() -> RateLimits {
    let budget = Budget {
        per_second: 0.1,
        burst: 3,
    };
    RateLimits {
        moves: budget,
        chat: budget,
        other: budget,
        flood_refusals: 20,
        flood_window_secs: 60,
    }
}

/// Sends `message` four times; the first three pass the budget, the fourth
/// is refused with `rate_limited`.
async fn fourth_is_limited(client: &mut Client, message: Value) {
    let mut codes = Vec::new();
    for _ in 0..4 {
        let rid = client.request(message.clone()).await;
        let reply = client.reply_to(rid).await;
        codes.push(if is_type(&reply, "error") {
            reply["code"].as_str().unwrap().to_string()
        } else {
            "ack".into()
        });
    }
    assert!(
        !codes[..3].contains(&"rate_limited".to_string()),
        "{message}: {codes:?}"
    );
    assert_eq!(codes[3], "rate_limited", "{message}: {codes:?}");
}

#[tokio::test]
async fn every_budget_refuses_its_excess_and_spares_the_others() {
    let server = TestServer::with_config(|c| c.rate_limits = tight()).await;
    let (mut flooder, _) = Client::join(&server, Role::Participant, "Flooder").await;
    let (mut bystander, _) = Client::join(&server, Role::Participant, "Bystander").await;
    fourth_is_limited(&mut flooder, json!({"type": "teleport", "room": "hall"})).await;
    fourth_is_limited(
        &mut flooder,
        json!({"type": "chat", "scope": "room", "text": "spam"}),
    )
    .await;
    fourth_is_limited(
        &mut flooder,
        json!({"type": "set_status", "status": "busy"}),
    )
    .await;
    // The budgets are per connection: the bystander is untouched.
    bystander
        .call(json!({"type": "chat", "scope": "room", "text": "bonjour"}))
        .await;
    bystander.assert_alive().await;
    assert!(server.metric("amphi_rate_limited_total").await >= 3.0);
}

#[tokio::test]
async fn sustained_flooding_closes_the_connection() {
    let server = TestServer::with_config(|c| c.rate_limits = tight()).await;
    let (mut flooder, _) = Client::join(&server, Role::Participant, "Flooder").await;
    let (mut bystander, _) = Client::join(&server, Role::Participant, "Bystander").await;
    for i in 0..40 {
        flooder
            .send_json(json!({"type": "chat", "scope": "room", "text": format!("spam {i}")}))
            .await;
    }
    match flooder.recv_close(Duration::from_secs(5)).await {
        Ended::Close(code, _) => assert_eq!(code, 4029),
        other => panic!("expected a 4029 close, got {other:?}"),
    }
    bystander
        .call(json!({"type": "chat", "scope": "room", "text": "calme"}))
        .await;
    assert_eq!(server.metric("amphi_flood_closes_total").await, 1.0);
}

#[tokio::test]
async fn an_address_may_hold_only_so_many_connections() {
    let server = TestServer::with_config(|c| {
        c.connection_limits = ConnectionLimits {
            per_ip: 2,
            new_per_second: 1000.0,
            new_burst: 1000,
        };
    })
    .await;
    let first = Client::connect(&server).await;
    let _second = Client::connect(&server).await;
    let refused = tokio_tungstenite::connect_async(server.ws_url()).await;
    let error = refused.expect_err("third connection refused").to_string();
    assert!(error.contains("429"), "{error}");
    // Closing one frees its place.
    first.close().await;
    let mut again = None;
    for _ in 0..50 {
        if let Ok(ws) = tokio_tungstenite::connect_async(server.ws_url()).await {
            again = Some(ws);
            break;
        }
        // Poll until the server has seen the close (bounded: 1 s).
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "a place frees up when a connection closes");
    assert!(server.metric("amphi_connections_refused_total").await >= 1.0);
}

#[tokio::test]
async fn an_address_may_open_only_so_many_connections_at_once() {
    let server = TestServer::with_config(|c| {
        c.connection_limits = ConnectionLimits {
            per_ip: 100,
            new_per_second: 0.01,
            new_burst: 3,
        };
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(Client::connect(&server).await);
    }
    let refused = tokio_tungstenite::connect_async(server.ws_url()).await;
    assert!(
        refused
            .expect_err("fourth refused")
            .to_string()
            .contains("429")
    );
}
