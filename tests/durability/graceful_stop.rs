//! A graceful stop: what was written is acknowledged before the connection
//! closes with 1001, and a stop on a failing disk keeps its time bound and
//! reports the commands it had to abandon.

use crate::common::{Client, Ended, TestServer, is_type};
use crate::data_dir;
use amphi::domain::Role;
use amphi::store::{Fault, FaultInjector, StoreOptions};
use serde_json::json;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_graceful_stop_acknowledges_every_command_it_wrote_then_closes_with_1001() {
    let dir = data_dir();
    let server = TestServer::start_in(&dir.0, StoreOptions::default(), |_| {}).await;
    let (mut alice, _) = Client::join(&server, Role::Participant, "Alice").await;
    let mut sent = Vec::new();
    for i in 0..150 {
        let rid = alice
            .request(json!({"type": "chat", "scope": "room", "text": format!("m{i}")}))
            .await;
        sent.push(rid);
    }
    let stopping = tokio::spawn(server.stop_outcome());
    let ended = alice.recv_close(Duration::from_secs(10)).await;
    assert_eq!(stopping.await.unwrap(), Ok(()));
    assert!(matches!(ended, Ended::Close(1001, _)), "{ended:?}");
    let acked: BTreeSet<u64> = alice
        .log
        .iter()
        .filter(|m| is_type(m, "ack"))
        .filter_map(|m| m["rid"].as_u64())
        .collect();
    let state = crate::dump(&dir.0).await;
    let on_disk: BTreeSet<u64> = state["chat"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str()?.strip_prefix('m')?.parse::<u64>().ok())
        .map(|i| sent[i as usize])
        .collect();
    assert_eq!(
        acked, on_disk,
        "every chat on disk is acknowledged, and only those"
    );
}

#[tokio::test]
async fn a_stop_while_the_disk_fails_keeps_its_bound_and_reports_the_abandoned_commands() {
    let dir = data_dir();
    let faults = FaultInjector::new();
    let options = StoreOptions {
        faults: Some(faults.clone()),
        ..StoreOptions::default()
    };
    let server = TestServer::start_in(&dir.0, options, |_| {}).await;
    let (mut alice, _) = Client::join(&server, Role::Participant, "Alice").await;
    faults.arm(Fault::Write);
    let held = alice
        .request(json!({"type": "chat", "scope": "room", "text": "jamais écrit"}))
        .await;
    // The store reports the failure (the command is held, not acked).
    loop {
        let health = server.get("/healthz").await;
        if health.status == 503 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let started = Instant::now();
    let stopping = tokio::spawn(server.stop_outcome());
    let ended = alice.recv_close(Duration::from_secs(15)).await;
    let outcome = stopping.await.unwrap();
    let took = started.elapsed();
    assert!(matches!(ended, Ended::Close(1001, _)), "{ended:?}");
    let err = outcome.expect_err("a stop that abandons commands is a failure");
    assert!(err.contains("never acknowledged"), "{err}");
    // The margin covers the test's own work after `run` returned (a
    // panic's backtrace) on a loaded machine (6.6 s seen with the other
    // test binaries building beside it); without the bound the stop took
    // over 10 s.
    assert!(
        took <= Duration::from_secs(5) + Duration::from_secs(4),
        "the documented stop bound is {:?}; took {took:?}",
        Duration::from_secs(5)
    );
    alice.assert_never_received("an ack of the abandoned chat", |m| {
        is_type(m, "ack") && m["rid"] == held
    });
}
