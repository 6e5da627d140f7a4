//! Runtime write failures: the server keeps serving, refuses durable
//! commands with `storage_unavailable`, reports it on `/healthz` and
//! `/metrics`, and recovers by itself when the disk does.

use crate::common::{Client, TestServer, is_type, metric_value};
use crate::data_dir;
use amphi::domain::Role;
use amphi::store::{Fault, FaultInjector, StoreOptions};
use serde_json::json;
use std::time::{Duration, Instant};

/// Polls `/healthz` until it answers `status`.
async fn wait_health(server: &TestServer, status: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = server.get("/healthz").await;
        if response.status == status {
            return response.body;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz stayed {} ({}), expected {status}",
            response.status,
            response.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_failing_disk_refuses_durable_commands_and_recovers() {
    let dir = data_dir();
    let faults = FaultInjector::new();
    let options = StoreOptions {
        faults: Some(faults.clone()),
        ..StoreOptions::default()
    };
    let server = TestServer::start_in(&dir.0, options, |_| {}).await;
    let (mut alice, _) = Client::join(&server, Role::Participant, "Alice").await;
    alice
        .call(json!({"type": "chat", "scope": "room", "text": "avant"}))
        .await;

    faults.arm(Fault::Write);
    // Accepted while the store still looked healthy: held, not acknowledged.
    let held = alice
        .request(json!({"type": "chat", "scope": "room", "text": "pendant"}))
        .await;
    let body = wait_health(&server, 503).await;
    assert!(body.contains("demo") && body.contains("injected"), "{body}");
    let code = alice
        .call_err(json!({"type": "chat", "scope": "room", "text": "refusé"}))
        .await;
    assert_eq!(code, "storage_unavailable");
    alice.assert_alive().await;
    let metrics = server.metrics_text().await;
    assert_eq!(
        metric_value(&metrics, "amphi_store_healthy{event=\"demo\"}"),
        Some(0.0),
        "{metrics}"
    );
    assert!(metric_value(&metrics, "amphi_store_errors_total").unwrap() >= 1.0);
    alice.assert_never_received("an ack of the held message", |m| {
        is_type(m, "ack") && m["rid"] == held
    });

    faults.heal();
    alice.expect_ack(held).await;
    wait_health(&server, 200).await;
    alice
        .call(json!({"type": "chat", "scope": "room", "text": "après"}))
        .await;
    server.stop().await;

    let state = crate::dump(&dir.0).await;
    let texts: Vec<&str> = state["chat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["avant", "pendant", "après"],
        "exactly once, in order"
    );
}
